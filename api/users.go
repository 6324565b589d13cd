package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"suara/domain"
	"suara/store"
)

type userJSON struct {
	ID        string    `json:"id"`
	Email     string    `json:"email"`
	Role      string    `json:"role"`
	UnitIDs   []string  `json:"unit_ids"`
	Disabled  bool      `json:"disabled"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// toUserJSON never carries the password hash.
func toUserJSON(u domain.User) userJSON {
	ids := u.UnitIDs
	if ids == nil {
		ids = []string{}
	}
	return userJSON{ID: u.ID, Email: u.Email, Role: string(u.Role), UnitIDs: ids, Disabled: u.Disabled,
		CreatedAt: u.CreatedAt.UTC(), UpdatedAt: u.UpdatedAt.UTC()}
}

type createUserRequest struct {
	Email    string   `json:"email" validate:"required,email,max=254"`
	Password string   `json:"password" validate:"required,min=10,max=256"`
	Role     string   `json:"role" validate:"required,oneof=admin manager viewer"`
	UnitIDs  []string `json:"unit_ids" validate:"max=100,dive,uuid"`
}

type updateUserRequest struct {
	Password *string   `json:"password" validate:"omitempty,min=10,max=256"`
	Role     *string   `json:"role" validate:"omitempty,oneof=admin manager viewer"`
	UnitIDs  *[]string `json:"unit_ids" validate:"omitempty,max=100,dive,uuid"`
	Disabled *bool     `json:"disabled"`
}

// checkUnits reports every unit id that does not exist, and a manager or
// viewer without units (who could see nothing).
func (s *Server) checkUnits(c echo.Context, role string, ids []string) error {
	var fields []domain.FieldError
	if role != string(domain.RoleAdmin) && len(ids) == 0 {
		fields = append(fields, domain.Field("unit_ids", "required"))
	}
	if len(ids) > 0 {
		units, err := s.store.FindUnitsByID(c.Request().Context(), ids)
		if err != nil {
			return err
		}
		found := map[string]bool{}
		for _, u := range units {
			found[u.ID] = true
		}
		for i, id := range ids {
			if !found[id] {
				fields = append(fields, domain.Field("unit_ids["+strconv.Itoa(i)+"]", "not_found"))
			}
		}
	}
	if len(fields) > 0 {
		return domain.Invalid(fields...)
	}
	return nil
}

// listUsers serves GET /api/v1/users (administrators), by e-mail.
func (s *Server) listUsers(c echo.Context) error {
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	us, next, err := s.store.FindUsers(c.Request().Context(), pg)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, listOf(us, next, toUserJSON))
}

// getUser serves GET /api/v1/users/{id} (administrators).
func (s *Server) getUser(c echo.Context) error {
	u, err := s.store.FindUser(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, toUserJSON(u))
}

// createUser serves POST /api/v1/users (administrators).
func (s *Server) createUser(c echo.Context) error {
	var in createUserRequest
	if err := s.decode(c, &in); err != nil {
		return err
	}
	if err := s.checkUnits(c, in.Role, in.UnitIDs); err != nil {
		return err
	}
	u := domain.User{Email: in.Email, Role: domain.Role(in.Role), UnitIDs: in.UnitIDs}
	err := s.store.InTx(c.Request().Context(), func(tx *store.Store) error {
		if err := tx.CreateUser(c.Request().Context(), &u, in.Password); err != nil {
			return err
		}
		return audit(c, tx, "user.create", "user", u.ID, nil, toUserJSON(u))
	})
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusCreated, toUserJSON(u))
}

// updateUser serves PATCH /api/v1/users/{id} (administrators). A new
// password, role or disabling ends the user's sessions.
func (s *Server) updateUser(c echo.Context) error {
	var in updateUserRequest
	if err := s.decode(c, &in); err != nil {
		return err
	}
	before, err := s.store.FindUser(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	role, ids := string(before.Role), before.UnitIDs
	if in.Role != nil {
		role = *in.Role
	}
	if in.UnitIDs != nil {
		ids = *in.UnitIDs
	}
	if in.Role != nil || in.UnitIDs != nil {
		if err := s.checkUnits(c, role, ids); err != nil {
			return err
		}
	}
	upd := domain.UserUpdate{Password: in.Password, UnitIDs: in.UnitIDs, Disabled: in.Disabled}
	if in.Role != nil {
		r := domain.Role(*in.Role)
		upd.Role = &r
	}
	var after domain.User
	err = s.store.InTx(c.Request().Context(), func(tx *store.Store) error {
		var err error
		if after, err = tx.UpdateUser(c.Request().Context(), before.ID, upd); err != nil {
			return err
		}
		changed := toUserJSON(after)
		if in.Password != nil {
			return audit(c, tx, "user.update", "user", before.ID, toUserJSON(before), struct {
				userJSON
				PasswordChanged bool `json:"password_changed"`
			}{changed, true})
		}
		return audit(c, tx, "user.update", "user", before.ID, toUserJSON(before), changed)
	})
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, toUserJSON(after))
}

// deleteUser serves DELETE /api/v1/users/{id} (administrators). Nobody
// deletes their own account: the last administrator could lock everyone out.
func (s *Server) deleteUser(c echo.Context) error {
	id := c.Param("id")
	if id == principal(c).User.ID {
		return domain.Errorf(domain.KindConflict, "cannot_delete_self", "cannot delete oneself")
	}
	before, err := s.store.FindUser(c.Request().Context(), id)
	if err != nil {
		return err
	}
	err = s.store.InTx(c.Request().Context(), func(tx *store.Store) error {
		if err := tx.DeleteUser(c.Request().Context(), before.ID); err != nil {
			return err
		}
		return audit(c, tx, "user.delete", "user", before.ID, toUserJSON(before), nil)
	})
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
