package main

import (
	"errors"
	"log"
	"net/http"
	"path/filepath"

	"github.com/go-chi/chi/v5"

	socketio "github.com/gosio/socketio"
	"github.com/gosio/socketio/admin"
)

// mountAdmin serves the Socket.IO admin UI (the prebuilt app of the npm
// package @socket.io/admin-ui, from chi_example/node_modules) at /admin/
// and attaches its admin namespace, "/admin", to io with these
// credentials. Without a password it does nothing: the admin UI can
// disconnect any client and shows every handshake's headers, so it is
// never open by default. It returns what stops the admin (a no-op when
// disabled).
//
// In the UI's login form, the server URL is this server's (the page's own
// origin, e.g. http://127.0.0.1:8080); the path (/socket.io) and the admin
// namespace are the form's defaults.
func mountAdmin(r chi.Router, io *socketio.Server, user, password string) (stop func(), err error) {
	if password == "" {
		return func() {}, nil
	}
	index, err := findNodeModule(filepath.Join("@socket.io", "admin-ui", "ui", "dist", "index.html"))
	if err != nil {
		return nil, errors.New("admin UI: " + err.Error())
	}
	adm, err := admin.Attach(io, admin.Options{Auth: &admin.BasicAuth{Username: user, Password: password}})
	if err != nil {
		return nil, err
	}
	r.Get("/admin", http.RedirectHandler("/admin/", http.StatusMovedPermanently).ServeHTTP)
	r.Handle("/admin/*", http.StripPrefix("/admin/", http.FileServer(http.Dir(filepath.Dir(index)))))
	log.Printf("admin UI at /admin/ (user %q)", user)
	return func() { _ = adm.Close() }, nil
}
