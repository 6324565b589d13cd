// Package frontend holds the built static files (citizen survey page,
// manager app, landing page) so that the binary serves them with no other
// files. Run `npm run build` in this directory first; until then dist/
// holds only .keep and the server has no pages to serve.
package frontend

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Dist is the contents of dist/, rooted at its top: "survey.html",
// "sw.js", "assets/…", "app/index.html", "index.html".
var Dist, _ = fs.Sub(dist, "dist")
