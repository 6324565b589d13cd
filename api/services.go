package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"suara/domain"
	"suara/store"
)

type serviceJSON struct {
	ID        string    `json:"id"`
	UnitID    string    `json:"unit_id"`
	Name      string    `json:"name"`
	Code      string    `json:"code"`
	CreatedAt time.Time `json:"created_at"`
}

func toServiceJSON(s domain.Service) serviceJSON {
	return serviceJSON{ID: s.ID, UnitID: s.UnitID, Name: s.Name, Code: s.Code, CreatedAt: s.CreatedAt.UTC()}
}

type createServiceRequest struct {
	Name string `json:"name" validate:"required,max=200"`
	Code string `json:"code" validate:"omitempty,max=64,code"`
}

// listServices serves GET /api/v1/units/{id}/services.
func (s *Server) listServices(c echo.Context) error {
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	u, err := s.seeUnit(c, c.Param("id"))
	if err != nil {
		return err
	}
	svcs, err := s.store.FindServices(c.Request().Context(), u.ID)
	if err != nil {
		return err
	}
	out, err := pageIn(svcs, pg, func(s domain.Service) string { return s.ID }, toServiceJSON)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, out)
}

// createService serves POST /api/v1/units/{id}/services. Without a code,
// one is made from the name.
func (s *Server) createService(c echo.Context) error {
	var in createServiceRequest
	if err := s.decode(c, &in); err != nil {
		return err
	}
	u, err := s.manageUnit(c, c.Param("id"))
	if err != nil {
		return err
	}
	svc := domain.Service{UnitID: u.ID, Name: strings.TrimSpace(in.Name), Code: in.Code}
	if svc.Code == "" {
		svc.Code = codeFromName(svc.Name)
	}
	err = s.store.InTx(c.Request().Context(), func(tx *store.Store) error {
		if err := tx.CreateService(c.Request().Context(), &svc); err != nil {
			return err
		}
		return audit(c, tx, "service.create", "service", svc.ID, nil, toServiceJSON(svc))
	})
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusCreated, toServiceJSON(svc))
}

// codeFromName makes a code such as "PEMBUATAN-KTP" from a name.
func codeFromName(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToUpper(name) {
		switch {
		case r >= 'A' && r <= 'Z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case b.Len() > 0 && !dash:
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 60 {
			break
		}
	}
	code := strings.Trim(b.String(), "-")
	if code == "" {
		return "LAYANAN"
	}
	return code
}
