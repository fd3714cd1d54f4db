/* Verifies a license and checks a module and a path: a program built
 * against an installed licman through pkg-config.
 *
 *   cc verify.c $(pkg-config --cflags --libs licman) -o verify
 *   ./verify CATALOG.toml PUBLIC_KEY LICENSE_FILE
 */
#include <licman.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if LICMAN_VERSION_NUMBER < 100
#error "licman 0.1.0 or later is needed"
#endif

static char *read_all(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    rewind(f);
    char *text = malloc((size_t)size + 1);
    size_t got = text ? fread(text, 1, (size_t)size, f) : 0;
    fclose(f);
    if (!text) return NULL;
    text[got] = '\0';
    return text;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s CATALOG PUBLIC_KEY LICENSE\n", argv[0]);
        return 2;
    }
    printf("header %s, library %s\n", LICMAN_VERSION, licman_version());
    char *toml = read_all(argv[1]), *key = read_all(argv[2]), *text = read_all(argv[3]);
    if (!toml || !key || !text) {
        fprintf(stderr, "cannot read the inputs\n");
        return 2;
    }
    LicmanError *error = NULL;
    LicmanCatalog *catalog = licman_catalog_from_toml(toml, &error);
    const char *keys[] = {key};
    LicmanKeyRing *ring = catalog ? licman_keyring_new(keys, 1, &error) : NULL;
    LicmanLicense *license = ring ? licman_keyring_verify(ring, text, catalog, NULL, &error) : NULL;
    int status = 0;
    if (!license) {
        printf("refused: %s (%s)\n", error ? error->code : "?", error ? error->description : "");
        status = 1;
    } else {
        char *tier = licman_license_get(license, "tier", NULL);
        printf("tier %s; devices %d; scheduled_audits %d\n", tier, licman_license_has_module(license, "devices", NULL),
               licman_license_has_module(license, "scheduled_audits", NULL));
        char *needs = licman_authorize(catalog, "/audit-schedules", license, false, NULL, 0, false, 0, &error);
        printf("/audit-schedules: %s\n", needs ? needs : error->body);
        licman_string_free(needs);
        licman_string_free(tier);
    }
    licman_error_free(error);
    licman_license_free(license);
    licman_keyring_free(ring);
    licman_catalog_free(catalog);
    free(toml);
    free(key);
    free(text);
    return status;
}
