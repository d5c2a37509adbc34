// Package static holds the dashboard's assets (vendored htmx, CSS, JS),
// embedded so the binary serves them itself; nothing comes from a CDN.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"net/http"
	"strings"
)

// HTMX is the vendored htmx file's name; its version is pinned in the name.
const HTMX = "htmx-2.0.11.min.js"

//go:embed htmx-2.0.11.min.js app.css app.js favicon.svg
var FS embed.FS

var versions = func() map[string]string {
	out := map[string]string{}
	for _, name := range []string{HTMX, "app.css", "app.js", Favicon} {
		b, err := FS.ReadFile(name)
		if err != nil {
			panic("static: " + err.Error())
		}
		sum := sha256.Sum256(b)
		out[name] = hex.EncodeToString(sum[:])[:12]
	}
	return out
}()

// Favicon is the site's icon, an SVG; /favicon.ico answers it too
// (FaviconHandler), for clients that ask there without reading the page.
const Favicon = "favicon.svg"

// Path is the URL of an asset, with its content hash so it can be cached
// for good.
func Path(name string) string {
	return "/static/" + name + "?v=" + versions[name]
}

// Handler serves the assets under /static/. A request carrying the current
// hash is cacheable for a year; any other must revalidate.
func Handler() http.Handler {
	files := http.StripPrefix("/static/", http.FileServerFS(FS))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/static/")
		if v, ok := versions[name]; !ok {
			http.NotFound(w, r)
			return
		} else if r.URL.Query().Get("v") == v {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "no-cache")
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		files.ServeHTTP(w, r)
	})
}

// FaviconHandler answers /favicon.ico with the SVG icon, cacheable for a
// day (its URL carries no hash).
func FaviconHandler() http.Handler {
	b, err := FS.ReadFile(Favicon)
	if err != nil {
		panic("static: " + err.Error())
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/svg+xml")
		w.Header().Set("Cache-Control", "public, max-age=86400")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		_, _ = w.Write(b)
	})
}
