package api

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// routes is the whole route table. Middleware per route is explicit, so
// that a route's protection can be read on its own line.
func (s *Server) routes() {
	e := s.e
	e.Use(
		requestID,
		middleware.GzipWithConfig(middleware.GzipConfig{MinLength: 1024, Skipper: noGzip}),
		securityHeaders,
		s.accessLog,
		s.recover,
		apiNoStore,
		fastBodyLimit(maxTemplateBody),
	)

	public := []echo.MiddlewareFunc{s.limit(s.limits.publicReads)}
	// Submissions: generous per IP (a carrier's NAT), strict per device
	// token, and a ceiling per survey.
	submit := []echo.MiddlewareFunc{s.limit(s.limits.submit), s.limitBy(s.limits.device, deviceKey),
		s.limitBy(s.limits.survey, surveyKey)}
	login := []echo.MiddlewareFunc{s.limit(s.limits.login)}
	user := []echo.MiddlewareFunc{s.authenticate, s.forgetSurveysOnWrite}
	admin := []echo.MiddlewareFunc{s.authenticate, s.requireAdmin, s.forgetSurveysOnWrite}

	// Operations.
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", s.metricsText)
	e.GET("/api/openapi.yaml", s.openapiYAML)
	e.GET("/api/v1/report.css", s.reportCSS)

	// Public: citizens, no account, rate limited per IP.
	e.GET("/api/v1/public/surveys/:slug", s.publicForm, public...)
	e.POST("/api/v1/public/surveys/:slug/responses", s.submitResponse, submit...)
	e.GET("/api/v1/public/units/:id/ikm", s.publicUnitIKM, public...)
	e.GET("/api/v1/public/units/:id/publications", s.publicPublications, public...)
	e.GET("/api/v1/public/units/:id/publications/:pid/counts.json", s.publicationCountsJSON, public...)
	e.GET("/api/v1/public/units/:id/publications/:pid/counts.csv", s.publicationCountsCSV, public...)

	// Sessions.
	e.POST("/api/v1/auth/login", s.login, login...)
	e.POST("/api/v1/auth/logout", s.logout, user...)
	e.GET("/api/v1/auth/me", s.me, user...)

	// Units and what hangs off them.
	e.GET("/api/v1/units", s.listUnits, user...)
	e.POST("/api/v1/units", s.createUnit, user...)
	e.GET("/api/v1/units/:id", s.getUnit, user...)
	e.PATCH("/api/v1/units/:id", s.updateUnit, user...)
	e.DELETE("/api/v1/units/:id", s.deleteUnit, user...)
	e.GET("/api/v1/units/:id/services", s.listServices, user...)
	e.POST("/api/v1/units/:id/services", s.createService, user...)
	e.GET("/api/v1/units/:id/ikm", s.unitIKM, user...)
	e.GET("/api/v1/units/:id/ikm/series", s.unitIKMSeries, user...)
	e.GET("/api/v1/units/:id/ikm/children", s.unitIKMChildren, user...)
	e.GET("/api/v1/units/:id/breakdown", s.unitBreakdown, user...)
	e.GET("/api/v1/units/:id/followups", s.listFollowUps, user...)
	e.POST("/api/v1/units/:id/followups", s.createFollowUp, user...)
	e.GET("/api/v1/units/:id/followups/suggestions", s.followUpSuggestions, user...)
	e.GET("/api/v1/units/:id/processing.xlsx", s.unitProcessingXLSX, user...)
	e.GET("/api/v1/units/:id/report", s.unitReport, user...)
	e.PATCH("/api/v1/followups/:id", s.updateFollowUp, user...)
	e.GET("/api/v1/units/:id/comments", s.listComments, user...)
	e.GET("/api/v1/units/:id/silent", s.silentUnits, user...)
	e.GET("/api/v1/units/:id/publications", s.listPublications, user...)
	e.POST("/api/v1/units/:id/publications", s.publish, user...)

	// Citizens' comments: managers mark them; the unmasked original is
	// for administrators, and every reading is audited.
	e.PATCH("/api/v1/responses/:id/comment-status", s.setCommentStatus, user...)
	e.GET("/api/v1/responses/:id/comment-original", s.commentOriginal, admin...)

	// Questionnaires: everyone reads, administrators write.
	e.GET("/api/v1/templates", s.listTemplates, user...)
	e.POST("/api/v1/templates", s.createTemplate, admin...)
	e.GET("/api/v1/templates/:id", s.getTemplate, user...)
	e.POST("/api/v1/templates/:id/versions", s.createTemplateVersion, admin...)
	e.GET("/api/v1/template-versions/:id", s.getTemplateVersion, user...)
	e.POST("/api/v1/template-versions/:id/publish", s.publishTemplateVersion, admin...)

	// Survey periods and their answers.
	e.GET("/api/v1/surveys", s.listSurveys, user...)
	e.POST("/api/v1/surveys", s.createSurvey, user...)
	e.GET("/api/v1/surveys/:id", s.getSurvey, user...)
	e.PATCH("/api/v1/surveys/:id", s.updateSurvey, user...)
	e.GET("/api/v1/surveys/:id/responses", s.listResponses, user...)
	e.POST("/api/v1/responses/:id/exclude", s.excludeResponse, user...)
	e.DELETE("/api/v1/responses/:id", s.deleteResponse, admin...)
	e.GET("/api/v1/surveys/:id/responses.csv", s.exportCSV, user...)
	e.GET("/api/v1/surveys/:id/responses.xlsx", s.exportXLSX, user...)
	e.GET("/api/v1/surveys/:id/qr.svg", s.surveyQRSVG, user...)
	e.GET("/api/v1/surveys/:id/qr.png", s.surveyQRPNG, user...)
	e.GET("/api/v1/surveys/:id/poster", s.surveyPoster, user...)

	// Users (administrators only).
	e.GET("/api/v1/users", s.listUsers, admin...)
	e.POST("/api/v1/users", s.createUser, admin...)
	e.GET("/api/v1/users/:id", s.getUser, admin...)
	e.PATCH("/api/v1/users/:id", s.updateUser, admin...)
	e.DELETE("/api/v1/users/:id", s.deleteUser, admin...)

	// The audit log (administrators only).
	e.GET("/api/v1/audit", s.listAudit, admin...)

	// The frontend: everything else that is not the API.
	e.GET("/*", s.serveStatic)
	e.HEAD("/*", s.serveStatic)
}

// noGzip skips compression where it cannot pay: zip archives (XLSX) and
// compressed PDFs, and every answer to a write, which is a few hundred
// bytes of JSON. The gzip middleware takes a compressor (about 1 MB) from
// its pool for each request it wraps, whether or not it compresses: at 64
// submissions in flight that alone was 43 MB of the server's memory.
func noGzip(c echo.Context) bool {
	r := c.Request()
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return true
	}
	return strings.HasSuffix(r.URL.Path, ".xlsx") || c.QueryParam("format") == "pdf"
}

// apiNoStore keeps API answers out of shared caches; a handler may still
// set its own Cache-Control (the public index).
func apiNoStore(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if strings.HasPrefix(c.Request().URL.Path, "/api/") {
			c.Response().Header().Set("Cache-Control", "no-store")
		}
		return next(c)
	}
}

// recover turns a panic into a 500 problem, logged with the request id.
func (s *Server) recover(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				err = fmt.Errorf("panic: %v", r)
			}
		}()
		return next(c)
	}
}
