// Verifies a license and checks a module and a path through licman's C
// library, found with pkg-config (cgo):
//
//	PKG_CONFIG_PATH=PREFIX/lib/pkgconfig go build -o verify .
//	./verify CATALOG.toml PUBLIC_KEY LICENSE_FILE
package main

/*
#cgo pkg-config: licman
#include <stdlib.h>
#include <licman.h>
*/
import "C"

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"unsafe"
)

// Error is a licman error: its kind, stable code, description, HTTP status
// (402/403/400 for refusals) and JSON body.
type Error struct {
	Kind, Code, Description, Body string
	HTTPStatus                    int
}

func (e *Error) Error() string { return fmt.Sprintf("%s (%s)", e.Description, e.Code) }

// take converts and frees a C error.
func take(e *C.LicmanError) error {
	if e == nil {
		return errors.New("licman: failed without an error")
	}
	defer C.licman_error_free(e)
	return &Error{Kind: C.GoString(e.kind), Code: C.GoString(e.code), Description: C.GoString(e.description),
		Body: C.GoString(e.body), HTTPStatus: int(e.http_status)}
}

// License is a verified license with its catalog.
type License struct {
	catalog *C.LicmanCatalog
	ring    *C.LicmanKeyRing
	license *C.LicmanLicense
	routes  *C.LicmanRouteTable
}

// Verify parses the catalog and verifies the license with the public key.
func Verify(catalogTOML, publicKey, license string) (*License, error) {
	var e *C.LicmanError
	ctoml := C.CString(catalogTOML)
	defer C.free(unsafe.Pointer(ctoml))
	catalog := C.licman_catalog_from_toml(ctoml, &e)
	if catalog == nil {
		return nil, take(e)
	}
	ckey := C.CString(publicKey)
	defer C.free(unsafe.Pointer(ckey))
	keys := []*C.char{ckey}
	ring := C.licman_keyring_new(&keys[0], 1, &e)
	if ring == nil {
		C.licman_catalog_free(catalog)
		return nil, take(e)
	}
	ctext := C.CString(license)
	defer C.free(unsafe.Pointer(ctext))
	l := C.licman_keyring_verify(ring, ctext, catalog, nil, &e)
	if l == nil {
		C.licman_keyring_free(ring)
		C.licman_catalog_free(catalog)
		return nil, take(e)
	}
	routes := C.licman_route_table_new(catalog, nil, &e)
	if routes == nil {
		C.licman_license_free(l)
		C.licman_keyring_free(ring)
		C.licman_catalog_free(catalog)
		return nil, take(e)
	}
	return &License{catalog: catalog, ring: ring, license: l, routes: routes}, nil
}

// HasModule says whether a module (by name or alias) is licensed.
func (l *License) HasModule(name string) (bool, error) {
	var e *C.LicmanError
	n := C.CString(name)
	defer C.free(unsafe.Pointer(n))
	switch C.licman_license_has_module(l.license, n, &e) {
	case 1:
		return true, nil
	case 0:
		return false, nil
	}
	return false, take(e)
}

// Authorize is the gateway decision for a path: what it needs, or the refusal.
func (l *License) Authorize(path string) (string, error) {
	var e *C.LicmanError
	if strings.IndexByte(path, 0) >= 0 {
		// A Go string may hold a NUL (URL.Path decodes %00 to one), where a
		// C string would end: such a path goes to the span function, which
		// sees every byte (and refuses it, as it refuses every control).
		b := []byte(path)
		code := C.licman_route_table_authorize_code(l.routes, (*C.uint8_t)(unsafe.Pointer(&b[0])), C.size_t(len(b)),
			l.license, 0, nil, 0, 0, &e)
		if code < 0 {
			return "", take(e)
		}
		return "", errors.New("licman: a path with a NUL byte was not refused")
	}
	p := C.CString(path)
	defer C.free(unsafe.Pointer(p))
	needs := C.licman_authorize(l.catalog, p, l.license, false, nil, 0, false, 0, &e)
	if needs == nil {
		return "", take(e)
	}
	defer C.licman_string_free(needs)
	return C.GoString(needs), nil
}

// Close frees the license, its route table, key ring and catalog.
func (l *License) Close() {
	C.licman_route_table_free(l.routes)
	C.licman_license_free(l.license)
	C.licman_keyring_free(l.ring)
	C.licman_catalog_free(l.catalog)
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: verify CATALOG PUBLIC_KEY LICENSE")
		os.Exit(2)
	}
	var inputs [3]string
	for i := range inputs {
		data, err := os.ReadFile(os.Args[i+1])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		inputs[i] = string(data)
	}
	fmt.Printf("header %s, library %s\n", C.LICMAN_VERSION, C.GoString(C.licman_version()))
	license, err := Verify(inputs[0], inputs[1], inputs[2])
	if err != nil {
		fmt.Println("refused:", err)
		os.Exit(1)
	}
	defer license.Close()
	devices, _ := license.HasModule("devices")
	scheduled, _ := license.HasModule("scheduled_audits")
	fmt.Printf("devices %v; scheduled_audits %v\n", devices, scheduled)
	if needs, err := license.Authorize("/audit-schedules"); err != nil {
		var refusal *Error
		if errors.As(err, &refusal) {
			fmt.Printf("/audit-schedules: %d %s\n", refusal.HTTPStatus, refusal.Body)
		}
	} else {
		fmt.Println("/audit-schedules:", needs)
	}
	if _, err := license.Authorize("/login\x00/audit-schedules"); err != nil {
		var refusal *Error
		if errors.As(err, &refusal) {
			fmt.Printf("/login%%00/audit-schedules: %d %s\n", refusal.HTTPStatus, refusal.Code)
		}
	} else {
		fmt.Println("/login%00/audit-schedules: allowed (it should not be)")
		os.Exit(1)
	}
}
