package deploy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"
)

// obj is one decoded YAML document.
type obj = map[string]any

// dig walks obj by keys (strings for maps, ints for lists); nil when a
// step is missing.
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(obj)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func str(v any, path ...any) string { s, _ := dig(v, path...).(string); return s }

func list(v any, path ...any) []any { l, _ := dig(v, path...).([]any); return l }

// readManifests decodes every document of every YAML file under dir.
func readManifests(t *testing.T, dir string) map[string][]obj {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in %s (%v)", dir, err)
	}
	out := map[string][]obj{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		for {
			var o obj
			err := dec.Decode(&o)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if o != nil {
				out[filepath.Base(f)] = append(out[filepath.Base(f)], o)
			}
		}
	}
	return out
}

// byKind indexes the resources (not the kustomization) by kind/name.
func byKind(t *testing.T, docs map[string][]obj) map[string]obj {
	t.Helper()
	out := map[string]obj{}
	for file, os := range docs {
		for _, o := range os {
			kind, name := str(o, "kind"), str(o, "metadata", "name")
			if str(o, "apiVersion") == "" || kind == "" {
				t.Errorf("%s: a document without apiVersion or kind", file)
				continue
			}
			if kind == "Kustomization" {
				continue
			}
			if name == "" {
				t.Errorf("%s: %s without metadata.name", file, kind)
			}
			key := kind + "/" + name
			if _, dup := out[key]; dup {
				t.Errorf("%s: %s is defined twice", file, key)
			}
			out[key] = o
		}
	}
	return out
}

func TestKubernetesBase(t *testing.T) {
	docs := readManifests(t, "k8s/base")
	k := docs["kustomization.yaml"]
	if len(k) != 1 || str(k[0], "kind") != "Kustomization" {
		t.Fatal("k8s/base/kustomization.yaml is missing or not a Kustomization")
	}
	var listed []string
	for _, r := range list(k[0], "resources") {
		listed = append(listed, r.(string))
	}
	for file := range docs {
		if file != "kustomization.yaml" && !slices.Contains(listed, file) {
			t.Errorf("%s is not in kustomization.yaml's resources", file)
		}
	}
	for _, r := range listed {
		if _, ok := docs[r]; !ok {
			t.Errorf("kustomization.yaml lists %s, which does not exist", r)
		}
	}
	var images []string
	for _, im := range list(k[0], "images") {
		images = append(images, str(im, "name"))
	}
	slices.Sort(images)
	if !slices.Equal(images, []string{"suara/api", "suara/web"}) {
		t.Errorf("kustomization images = %v, want suara/api and suara/web", images)
	}

	res := byKind(t, docs)
	for _, want := range []string{"Namespace/suara", "ConfigMap/suara-config", "Secret/suara-db", "Job/suara-migrate",
		"Deployment/suara-api", "Service/api", "HorizontalPodAutoscaler/suara-api", "Deployment/suara-web", "Service/web"} {
		if res[want] == nil {
			t.Errorf("missing %s", want)
		}
	}
	if t.Failed() {
		return
	}

	// Every pod: non-root, no privilege escalation, read-only root, sized.
	pods := map[string]obj{
		"Deployment/suara-api": res["Deployment/suara-api"],
		"Deployment/suara-web": res["Deployment/suara-web"],
		"Job/suara-migrate":    res["Job/suara-migrate"],
	}
	for name, o := range pods {
		spec := dig(o, "spec", "template", "spec")
		if dig(spec, "securityContext", "runAsNonRoot") != true {
			t.Errorf("%s: securityContext.runAsNonRoot is not true", name)
		}
		if uid, _ := dig(spec, "securityContext", "runAsUser").(int); uid == 0 {
			t.Errorf("%s: runAsUser is 0 or unset", name)
		}
		if dig(spec, "automountServiceAccountToken") != false {
			t.Errorf("%s: mounts a service account token it does not need", name)
		}
		cs := list(spec, "containers")
		if len(cs) == 0 {
			t.Errorf("%s: no containers", name)
		}
		for _, c := range cs {
			cn := name + " " + str(c, "name")
			if dig(c, "securityContext", "readOnlyRootFilesystem") != true || dig(c, "securityContext", "allowPrivilegeEscalation") != false {
				t.Errorf("%s: want readOnlyRootFilesystem true and allowPrivilegeEscalation false", cn)
			}
			if !slices.Contains(list(c, "securityContext", "capabilities", "drop"), any("ALL")) {
				t.Errorf("%s: capabilities are not all dropped", cn)
			}
			if dig(c, "resources", "requests", "cpu") == nil || dig(c, "resources", "requests", "memory") == nil || dig(c, "resources", "limits", "memory") == nil {
				t.Errorf("%s: resources want cpu and memory requests and a memory limit", cn)
			}
		}
	}
	if p := str(res["Job/suara-migrate"], "spec", "template", "spec", "restartPolicy"); p != "Never" && p != "OnFailure" {
		t.Errorf("migration Job restartPolicy = %q", p)
	}

	api := dig(res["Deployment/suara-api"], "spec", "template", "spec", "containers", 0)
	web := dig(res["Deployment/suara-web"], "spec", "template", "spec", "containers", 0)
	mig := dig(res["Job/suara-migrate"], "spec", "template", "spec", "containers", 0)
	for _, c := range []struct {
		name, image string
		c           any
		args        []any
	}{{"api", "suara/api", api, []any{"serve"}}, {"migrate", "suara/api", mig, []any{"migrate", "fill"}}, {"web", "suara/web", web, nil}} {
		if got := str(c.c, "image"); got != c.image {
			t.Errorf("%s image = %q, want %q (the kustomization's images and the compose images)", c.name, got, c.image)
		}
		if c.args != nil && !slices.Equal(list(c.c, "args"), c.args) {
			t.Errorf("%s args = %v, want %v", c.name, list(c.c, "args"), c.args)
		}
	}
	// The API: alive is /healthz, ready is /readyz (the database answers).
	if p := str(api, "livenessProbe", "httpGet", "path"); p != "/healthz" {
		t.Errorf("api livenessProbe path = %q, want /healthz", p)
	}
	if p := str(api, "readinessProbe", "httpGet", "path"); p != "/readyz" {
		t.Errorf("api readinessProbe path = %q, want /readyz", p)
	}
	if str(web, "livenessProbe", "httpGet", "path") == "" || str(web, "readinessProbe", "httpGet", "path") == "" {
		t.Error("web lacks liveness or readiness probes")
	}
	// Configuration: the ConfigMap and the Secret, in the API and the Job.
	for name, c := range map[string]any{"api": api, "migrate": mig} {
		var refs []string
		for _, e := range list(c, "envFrom") {
			if n := str(e, "configMapRef", "name"); n != "" {
				refs = append(refs, "ConfigMap/"+n)
			}
			if n := str(e, "secretRef", "name"); n != "" {
				refs = append(refs, "Secret/"+n)
			}
		}
		slices.Sort(refs)
		if !slices.Equal(refs, []string{"ConfigMap/suara-config", "Secret/suara-db"}) {
			t.Errorf("%s envFrom = %v, want the ConfigMap suara-config and the Secret suara-db", name, refs)
		}
	}
	secret := str(res["Secret/suara-db"], "stringData", "SUARA_DATABASE_URL")
	if !strings.HasPrefix(secret, "postgres://") || !strings.Contains(secret, "CHANGE-ME") {
		t.Errorf("Secret suara-db holds %q; the base must hold only a placeholder", secret)
	}
	// Every setting is one Suara reads (the README's configuration table).
	readme := readFile(t, "../README.md")
	data, _ := dig(res["ConfigMap/suara-config"], "data").(obj)
	for k := range data {
		if !strings.Contains(readme, "`"+k+"`") {
			t.Errorf("ConfigMap sets %s, which README.md does not list as a setting", k)
		}
	}
	if addr := str(res["ConfigMap/suara-config"], "data", "SUARA_ADDR"); !strings.HasSuffix(addr, ":8080") || strings.HasPrefix(addr, "127.") {
		t.Errorf("SUARA_ADDR = %q, want all interfaces on 8080", addr)
	}

	// Services select their pods, on a port the container names.
	for svc, dep := range map[string]string{"Service/api": "Deployment/suara-api", "Service/web": "Deployment/suara-web"} {
		sel, _ := dig(res[svc], "spec", "selector").(obj)
		labels, _ := dig(res[dep], "spec", "template", "metadata", "labels").(obj)
		if len(sel) == 0 {
			t.Errorf("%s has no selector", svc)
		}
		for k, v := range sel {
			if labels[k] != v {
				t.Errorf("%s selects %s=%v, which %s's pods lack", svc, k, v, dep)
			}
		}
		target := str(res[svc], "spec", "ports", 0, "targetPort")
		found := false
		for _, p := range list(dig(res[dep], "spec", "template", "spec", "containers", 0), "ports") {
			found = found || str(p, "name") == target
		}
		if !found {
			t.Errorf("%s targetPort %q is not a named port of %s", svc, target, dep)
		}
		if m, _ := dig(res[dep], "spec", "selector", "matchLabels").(obj); len(m) == 0 {
			t.Errorf("%s has no selector", dep)
		}
	}
	// nginx.conf proxies to api:8080: the Service must be that.
	if port, _ := dig(res["Service/api"], "spec", "ports", 0, "port").(int); port != 8080 {
		t.Errorf("Service api port = %d, want 8080", port)
	}
	if !strings.Contains(readFile(t, "nginx/nginx.conf"), "server api:8080;") {
		t.Error("nginx.conf does not proxy to api:8080")
	}
	// The HPA scales the API Deployment.
	hpa := res["HorizontalPodAutoscaler/suara-api"]
	if str(hpa, "spec", "scaleTargetRef", "kind") != "Deployment" || str(hpa, "spec", "scaleTargetRef", "name") != "suara-api" {
		t.Errorf("HPA targets %v", dig(hpa, "spec", "scaleTargetRef"))
	}
	lo, _ := dig(hpa, "spec", "minReplicas").(int)
	hi, _ := dig(hpa, "spec", "maxReplicas").(int)
	if lo < 2 || hi <= lo {
		t.Errorf("HPA replicas %d..%d, want at least 2 (one may die) and room to grow", lo, hi)
	}
	if len(list(hpa, "spec", "metrics")) == 0 {
		t.Error("HPA has no metrics")
	}
}

func TestKubernetesOverlay(t *testing.T) {
	docs := readManifests(t, "k8s/overlays/production")
	k := docs["kustomization.yaml"]
	if len(k) != 1 {
		t.Fatal("no kustomization.yaml in the production overlay")
	}
	for _, r := range list(k[0], "resources") {
		p := filepath.Join("k8s/overlays/production", r.(string))
		if _, err := os.Stat(p); err != nil {
			t.Errorf("resource %s: %v", r, err)
		}
	}
	if !slices.Contains(list(k[0], "resources"), any("../../base")) {
		t.Error("the overlay does not build on ../../base")
	}
	var names []string
	for _, im := range list(k[0], "images") {
		names = append(names, fmt.Sprint(str(im, "name")))
		if str(im, "newTag") == "" || str(im, "newTag") == "latest" {
			t.Errorf("overlay image %s has tag %q; pin a release", str(im, "name"), str(im, "newTag"))
		}
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"suara/api", "suara/web"}) {
		t.Errorf("overlay images = %v", names)
	}
	res := byKind(t, docs)
	if ing := res["Ingress/suara"]; ing == nil || str(ing, "spec", "rules", 0, "http", "paths", 0, "backend", "service", "name") != "web" {
		t.Error("the overlay's Ingress does not send traffic to the web Service")
	}
}
