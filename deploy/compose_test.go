// Package deploy holds no code: these tests check the files that run Suara
// elsewhere (docker-compose.yml, the Dockerfiles, nginx.conf, the
// Kubernetes manifests and the backup scripts) without a Docker engine or
// a cluster.
package deploy

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// inCI reports whether a missing tool must fail the test rather than skip
// it (.ci/run sets both).
func inCI() bool {
	return os.Getenv("CI") == "true" || os.Getenv("SUARA_TEST_REQUIRE_POSTGRES") == "1"
}

// loadCompose loads docker-compose.yml the way `docker compose` does:
// schema validation, interpolation with an empty environment (so the
// defaults apply), anchors and merges, normalisation.
func loadCompose(t *testing.T) *types.Project {
	t.Helper()
	opts, err := cli.NewProjectOptions([]string{"../docker-compose.yml"},
		cli.WithWorkingDirectory(".."),
		cli.WithEnv([]string{}),
		cli.WithConsistency(true),
		cli.WithResolvedPaths(false),
	)
	if err != nil {
		t.Fatal(err)
	}
	p, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	return p
}

func TestCompose(t *testing.T) {
	p := loadCompose(t)
	if p.Name != "suara" {
		t.Errorf("project name = %q, want suara", p.Name)
	}
	var names []string
	for n := range p.Services {
		names = append(names, n)
	}
	slices.Sort(names)
	if want := []string{"api", "db", "migrate", "web"}; !slices.Equal(names, want) {
		t.Fatalf("services = %v, want %v", names, want)
	}
	db, migrate, api, web := p.Services["db"], p.Services["migrate"], p.Services["api"], p.Services["web"]

	// PostgreSQL: its data on a named volume, healthy when pg_isready says so.
	if !strings.HasPrefix(db.Image, "postgres:") {
		t.Errorf("db image = %q", db.Image)
	}
	if len(db.Volumes) != 1 || db.Volumes[0].Type != types.VolumeTypeVolume || db.Volumes[0].Target != "/var/lib/postgresql/data" {
		t.Errorf("db volumes = %+v, want a named volume on /var/lib/postgresql/data", db.Volumes)
	} else if _, ok := p.Volumes[db.Volumes[0].Source]; !ok {
		t.Errorf("db volume %q is not declared under volumes:", db.Volumes[0].Source)
	}
	wantHealth(t, "db", db, "pg_isready")
	if len(db.Ports) != 0 {
		t.Errorf("db publishes ports %+v; it is reached only inside the project", db.Ports)
	}

	// Migrations: one shot, after the database is healthy.
	if got := []string(migrate.Command); !slices.Equal(got, []string{"migrate", "fill"}) {
		t.Errorf("migrate command = %v, want [migrate fill]", got)
	}
	wantDepends(t, "migrate", migrate, map[string]string{"db": types.ServiceConditionHealthy})
	if migrate.Restart != "no" {
		t.Errorf("migrate restart = %q, want no (a one-shot job)", migrate.Restart)
	}

	// The API: after the migrations completed and the database is healthy,
	// healthy when its /readyz answers, not published (nginx proxies it).
	if got := []string(api.Command); !slices.Equal(got, []string{"serve"}) {
		t.Errorf("api command = %v, want [serve]", got)
	}
	wantDepends(t, "api", api, map[string]string{
		"db":      types.ServiceConditionHealthy,
		"migrate": types.ServiceConditionCompletedSuccessfully,
	})
	wantHealth(t, "api", api, "/readyz")
	if api.HealthCheck != nil && api.HealthCheck.Test[0] == "CMD" && api.HealthCheck.Test[1] != "/suara" {
		t.Errorf("api health check runs %q; the distroless image has only /suara", api.HealthCheck.Test[1])
	}
	if len(api.Ports) != 0 {
		t.Errorf("api publishes ports %+v; it is reached through nginx", api.Ports)
	}
	if !slices.Contains([]string(api.Expose), "8080") {
		t.Errorf("api expose = %v, want 8080 (nginx.conf's upstream api:8080)", api.Expose)
	}
	for _, s := range []types.ServiceConfig{migrate, api} {
		env := s.Environment
		if v := env["SUARA_DATABASE_URL"]; v == nil || !strings.HasPrefix(*v, "postgres://") || !strings.Contains(*v, "@db:5432/") {
			t.Errorf("%s SUARA_DATABASE_URL = %v, want postgres://…@db:5432/…", s.Name, v)
		}
		if s.Image != api.Image || s.Build == nil || s.Build.Dockerfile != "deploy/Dockerfile" {
			t.Errorf("%s: image %q build %+v, want the API image built from deploy/Dockerfile", s.Name, s.Image, s.Build)
		}
	}
	readme := readFile(t, "../README.md")
	for _, s := range []types.ServiceConfig{migrate, api} {
		for k := range s.Environment {
			if !strings.Contains(readme, "`"+k+"`") {
				t.Errorf("%s sets %s, which README.md does not list as a setting", s.Name, k)
			}
		}
	}
	if v := api.Environment["SUARA_ADDR"]; v == nil || *v != "0.0.0.0:8080" {
		t.Errorf("api SUARA_ADDR = %v, want 0.0.0.0:8080", v)
	}
	if !api.ReadOnly || api.User == "" || api.User == "0" || strings.HasPrefix(api.User, "root") || strings.HasPrefix(api.User, "0:") {
		t.Errorf("api read_only=%v user=%q, want a read-only non-root container", api.ReadOnly, api.User)
	}

	// The frontend: nginx, the one published port, after the API is healthy.
	if web.Build == nil || web.Build.Dockerfile != "deploy/nginx/Dockerfile" {
		t.Errorf("web build = %+v, want deploy/nginx/Dockerfile", web.Build)
	}
	wantDepends(t, "web", web, map[string]string{"api": types.ServiceConditionHealthy})
	wantHealth(t, "web", web, "http://127.0.0.1:8080/")
	if len(web.Ports) != 1 || web.Ports[0].Target != 8080 || web.Ports[0].Published != "8080" {
		t.Errorf("web ports = %+v, want 8080:8080", web.Ports)
	}

	// Every Dockerfile named is in the repository, built from its root.
	for _, s := range p.Services {
		if s.Build == nil {
			continue
		}
		if s.Build.Context != "." && s.Build.Context != ".." {
			// compose-go resolves the context against the working directory.
			if abs, _ := filepath.Abs(".."); s.Build.Context != abs {
				t.Errorf("%s build context = %q, want the repository root", s.Name, s.Build.Context)
			}
		}
		if _, err := os.Stat(filepath.Join("..", s.Build.Dockerfile)); err != nil {
			t.Errorf("%s: %v", s.Name, err)
		}
	}
}

func wantHealth(t *testing.T, name string, s types.ServiceConfig, contains string) {
	t.Helper()
	h := s.HealthCheck
	if h == nil || h.Disable || len(h.Test) < 2 {
		t.Errorf("%s has no health check", name)
		return
	}
	if !strings.Contains(strings.Join(h.Test, " "), contains) {
		t.Errorf("%s health check %v does not mention %q", name, h.Test, contains)
	}
	if h.Interval == nil || h.Timeout == nil || h.Retries == nil {
		t.Errorf("%s health check lacks interval, timeout or retries: %+v", name, h)
	}
}

func wantDepends(t *testing.T, name string, s types.ServiceConfig, want map[string]string) {
	t.Helper()
	got := map[string]string{}
	for dep, d := range s.DependsOn {
		got[dep] = d.Condition
	}
	if len(got) != len(want) {
		t.Errorf("%s depends_on = %v, want %v", name, got, want)
		return
	}
	for dep, cond := range want {
		if got[dep] != cond {
			t.Errorf("%s depends_on %s: condition %q, want %q", name, dep, got[dep], cond)
		}
	}
}

// TestDockerfiles checks what a reader of the Dockerfiles must be able to
// rely on: a static binary from the pinned toolchain with the frontend
// built in, and non-root runtime images.
func TestDockerfiles(t *testing.T) {
	api := readFile(t, "Dockerfile")
	for _, want := range []string{
		"FROM node:",        // the frontend stage
		"RUN npm ci",        // from the lock file
		"RUN npm run build", //
		"COPY --from=frontend /src/frontend/dist ./frontend/dist", // embedded by frontend/embed.go
		"GOTOOLCHAIN=go1.27.3",                // go.mod's toolchain
		"CGO_ENABLED=0",                       // static
		"FROM gcr.io/distroless/static",       // no shell, no libc
		"COPY --from=build /out/suara /suara", // the path compose's health check runs
		"USER 65532:65532",                    // non-root (distroless nonroot)
		`ENTRYPOINT ["/suara"]`,
		`CMD ["serve"]`,
	} {
		if !strings.Contains(api, want) {
			t.Errorf("deploy/Dockerfile lacks %q", want)
		}
	}
	web := readFile(t, "nginx/Dockerfile")
	for _, want := range []string{
		"RUN npm run build",
		"FROM nginxinc/nginx-unprivileged:", // uid 101, port 8080
		"COPY deploy/nginx/nginx.conf /etc/nginx/nginx.conf",
		"COPY deploy/nginx/suara_proxy.conf /etc/nginx/suara_proxy.conf",
		"COPY --from=frontend /src/frontend/dist /usr/share/nginx/html",
	} {
		if !strings.Contains(web, want) {
			t.Errorf("deploy/nginx/Dockerfile lacks %q", want)
		}
	}
	ignore := readFile(t, "../.dockerignore")
	for _, want := range []string{"frontend/node_modules/", ".git"} {
		if !strings.Contains(ignore, want) {
			t.Errorf(".dockerignore lacks %q", want)
		}
	}
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
