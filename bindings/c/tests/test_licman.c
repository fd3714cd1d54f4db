/*
 * The C ABI, tested from C: every conformance vector, the NetAudit quota,
 * denial and gateway scenarios, route options, the last-seen time,
 * revocation-list freshness, policies, and bad arguments. Run under valgrind (or
 * AddressSanitizer) by .ci/c.sh: every handle, string and error is freed.
 *
 *   test_licman REPO_ROOT
 */
#define _POSIX_C_SOURCE 200809L
#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "licman.h"
#include "read_file.h"

static int failures = 0;
static int checks = 0;

#define CHECK(cond, ...)                                                        \
    do {                                                                        \
        checks++;                                                               \
        if (!(cond)) {                                                          \
            failures++;                                                         \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                \
            fprintf(stderr, __VA_ARGS__);                                       \
            fputc('\n', stderr);                                                \
        }                                                                       \
    } while (0)

static int compare_strings(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* NULL-terminated array of the strings of a JSON array (borrowed). */
static const char **strings_of(const cJSON *array, size_t *count) {
    *count = (size_t)cJSON_GetArraySize(array);
    const char **out = calloc(*count + 1, sizeof(char *));
    size_t i = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, array) { out[i++] = cJSON_GetStringValue(item); }
    return out;
}

static void run_vector(const char *path) {
    char *text = read_file(path);
    CHECK(text != NULL, "cannot read %s", path);
    if (!text) return;
    cJSON *vector = cJSON_Parse(text);
    free(text);
    const cJSON *input = cJSON_GetObjectItem(vector, "input");
    const cJSON *expected = cJSON_GetObjectItem(vector, "expected");
    const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(vector, "name"));
    int valid = cJSON_IsTrue(cJSON_GetObjectItem(expected, "valid"));
    const char *want_error = cJSON_GetStringValue(cJSON_GetObjectItem(expected, "error"));

    LicmanError *error = NULL;
    size_t key_count = 0;
    const char **keys = strings_of(cJSON_GetObjectItem(input, "public_keys"), &key_count);
    LicmanKeyRing *ring = licman_keyring_new(keys, key_count, &error);
    free(keys);
    LicmanLicense *license = NULL;
    if (ring) {
        size_t fp_count = 0;
        const char **fps = strings_of(cJSON_GetObjectItem(input, "fingerprints"), &fp_count);
        const cJSON *last_seen = cJSON_GetObjectItem(input, "last_seen");
        LicmanVerifyOptions options = {
            .product = cJSON_GetStringValue(cJSON_GetObjectItem(input, "product")),
            .now_unix = (uint64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(input, "now")),
            .last_seen_unix = cJSON_IsNumber(last_seen) ? (uint64_t)cJSON_GetNumberValue(last_seen) : 0,
            .revocations = cJSON_GetStringValue(cJSON_GetObjectItem(input, "revocation_list")),
            .fingerprints = fps,
            .fingerprint_count = fp_count,
            .advisory = strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(input, "policy")), "advisory") == 0,
        };
        license = licman_keyring_verify(ring, cJSON_GetStringValue(cJSON_GetObjectItem(input, "license")), NULL, &options, &error);
        free(fps);
    }
    if (valid) {
        CHECK(license != NULL, "%s: refused with %s", name, error ? error->code : "?");
        if (license) {
            const char *status = licman_license_verified_status(license);
            CHECK(strcmp(status, cJSON_GetStringValue(cJSON_GetObjectItem(expected, "status"))) == 0, "%s: status %s", name, status);
            char *claims_json = licman_license_get(license, "claims", NULL);
            cJSON *claims = cJSON_Parse(claims_json);
            CHECK(cJSON_Compare(claims, cJSON_GetObjectItem(expected, "claims"), 1), "%s: claims differ: %s", name, claims_json);
            cJSON_Delete(claims);
            licman_string_free(claims_json);
            char *problems_json = licman_license_get(license, "problems", NULL);
            cJSON *problems = cJSON_Parse(problems_json);
            CHECK(cJSON_Compare(problems, cJSON_GetObjectItem(expected, "problems"), 1), "%s: problems %s", name, problems_json);
            cJSON_Delete(problems);
            licman_string_free(problems_json);
        }
    } else {
        CHECK(license == NULL && error != NULL && strcmp(error->code, want_error) == 0, "%s: expected %s, got %s", name,
              want_error, error ? error->code : "a valid license");
        if (error && strcmp(error->kind, "invalid_license") == 0) {
            CHECK(error->http_status == 402 && strlen(error->body) > 0, "%s: a license error carries a 402 body", name);
        }
    }
    licman_error_free(error);
    licman_license_free(license);
    licman_keyring_free(ring);
    cJSON_Delete(vector);
}

static void run_vectors(const char *root) {
    char dir_path[4096];
    snprintf(dir_path, sizeof dir_path, "%s/testdata/vectors", root);
    DIR *dir = opendir(dir_path);
    CHECK(dir != NULL, "cannot open %s", dir_path);
    if (!dir) return;
    char *names[512];
    size_t n = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) && n < 512) {
        size_t len = strlen(entry->d_name);
        if (len > 5 && strcmp(entry->d_name + len - 5, ".json") == 0) names[n++] = strdup(entry->d_name);
    }
    closedir(dir);
    qsort(names, n, sizeof(char *), compare_strings);
    CHECK(n >= 25, "only %zu vectors", n);
    for (size_t i = 0; i < n; i++) {
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir_path, names[i]);
        run_vector(path);
        free(names[i]);
    }
    printf("vectors: %zu run\n", n);
}

/* The error's body equals the given JSON text (parsed), field for field. */
static int body_is(const LicmanError *error, const char *json) {
    if (!error) return 0;
    cJSON *a = cJSON_Parse(error->body), *b = cJSON_Parse(json);
    int same = cJSON_Compare(a, b, 1);
    cJSON_Delete(a);
    cJSON_Delete(b);
    return same;
}

static void run_scenarios(const char *root) {
    char path[4096];
    snprintf(path, sizeof path, "%s/examples/catalogs/netaudit.toml", root);
    char *toml = read_file(path);
    snprintf(path, sizeof path, "%s/testdata/fixtures/netaudit-licenses.json", root);
    char *fixtures_text = read_file(path);
    cJSON *fixtures = cJSON_Parse(fixtures_text);
    free(fixtures_text);
    LicmanError *error = NULL;
    LicmanCatalog *catalog = licman_catalog_from_toml(toml, &error);
    free(toml);
    CHECK(catalog != NULL, "catalog: %s", error ? error->description : "?");
    const char *key = cJSON_GetStringValue(cJSON_GetObjectItem(fixtures, "public_key"));
    LicmanKeyRing *ring = licman_keyring_new(&key, 1, &error);
    const cJSON *licenses = cJSON_GetObjectItem(fixtures, "licenses");
    const uint64_t now = 1780272000; /* 2026-06-01 */
    LicmanVerifyOptions at_now = {.now_unix = now};
    LicmanLicense *starter = licman_keyring_verify(ring, cJSON_GetStringValue(cJSON_GetObjectItem(licenses, "starter")), catalog, &at_now, &error);
    LicmanLicense *pro = licman_keyring_verify(ring, cJSON_GetStringValue(cJSON_GetObjectItem(licenses, "professional")), catalog, &at_now, &error);
    CHECK(starter && pro && !error, "fixture licenses verify");

    /* Module checks. */
    CHECK(licman_license_has_module(starter, "devices", &error) == 1, "starter has devices");
    CHECK(licman_license_has_module(starter, "audit", &error) == 1, "starter has the alias audit");
    CHECK(licman_license_has_module(starter, "scheduled_audits", &error) == 0, "starter lacks scheduled audits");
    CHECK(licman_license_has_module(starter, "warp_drive", &error) == -1 && error && strcmp(error->code, "unknown_module") == 0,
          "unknown module");
    licman_error_free(error);
    error = NULL;

    /* Device quota: 10 fit, the 11th is refused with the seed's body. */
    for (uint64_t current = 0; current < 10; current++) {
        CHECK(licman_license_check_quota(starter, "devices", current, 1, &error) == 0, "device %llu fits", (unsigned long long)current);
    }
    CHECK(licman_license_check_quota(starter, "devices", 10, 1, &error) == -1, "the 11th device is refused");
    CHECK(error && error->http_status == 403 && strcmp(error->code, "quota_exceeded") == 0, "quota refusal is a 403");
    CHECK(body_is(error, "{\"error\":\"Quota exceeded\",\"quota_type\":\"devices\",\"current\":10,\"max\":10,"
                         "\"message\":\"Cannot add 1 more devices. Current: 10/10\",\"action\":\"upgrade_license\"}"),
          "quota body: %s", error ? error->body : "");
    licman_error_free(error);
    error = NULL;
    uint64_t accepted = 0;
    CHECK(licman_license_accept(starter, "devices", 0, 20, &accepted, &error) == 0 && accepted == 10, "discovery: 10 of 20");
    CHECK(licman_license_accept(pro, "devices", 90, 20, &accepted, &error) == 0 && accepted == 10, "professional: 10 free");

    /* Groups and the gateway. */
    const char *ops_modules[] = {"devices", "manual_audits"};
    CHECK(licman_license_set_group(pro, "ops", ops_modules, 2, &error) == 0, "set group");
    const char *outside[] = {"analytics"};
    CHECK(licman_license_set_group(pro, "ops", outside, 1, &error) == -1 && error &&
              strcmp(error->code, "module_not_licensed") == 0,
          "a group cannot grant an unlicensed module");
    licman_error_free(error);
    error = NULL;

    char *target = licman_authorize(catalog, "/devices/7", starter, false, NULL, 0, false, now, &error);
    CHECK(target && strcmp(target, "devices") == 0, "starter may use /devices/7");
    licman_string_free(target);
    target = licman_authorize(catalog, "/audit-schedules", starter, false, NULL, 0, false, now, &error);
    CHECK(!target && error && error->http_status == 403, "starter is refused /audit-schedules");
    CHECK(body_is(error, "{\"error\":\"Module not available\",\"module\":\"scheduled_audits\",\"current_tier\":\"starter\","
                         "\"message\":\"The module 'Scheduled Audits' is not available in your starter tier\","
                         "\"action\":\"upgrade_license\"}"),
          "module body: %s", error ? error->body : "");
    licman_error_free(error);
    error = NULL;
    target = licman_authorize(catalog, "/devices", NULL, false, NULL, 0, false, now, &error);
    CHECK(!target && error && error->http_status == 402, "no license is a 402");
    CHECK(body_is(error, "{\"error\":\"No active license\",\"message\":\"Please activate a valid license to use this feature\","
                         "\"action\":\"activate_license\"}"),
          "402 body");
    licman_error_free(error);
    error = NULL;
    target = licman_authorize(catalog, "/login", NULL, false, NULL, 0, false, now, &error);
    CHECK(target && strcmp(target, "public") == 0, "public paths pass");
    licman_string_free(target);
    const char *groups[] = {"ops"};
    target = licman_authorize(catalog, "/audit-schedules", pro, true, groups, 1, false, now, &error);
    CHECK(!target && error && strcmp(error->code, "access_denied") == 0, "groups lack scheduled audits");
    CHECK(body_is(error, "{\"error\":\"Access denied\",\"module\":\"scheduled_audits\","
                         "\"message\":\"User does not have access to module 'scheduled_audits'\",\"action\":\"contact_admin\"}"),
          "403 access body");
    licman_error_free(error);
    error = NULL;
    target = licman_authorize(catalog, "/audit-schedules", pro, true, NULL, 0, true, now, &error);
    CHECK(target && strcmp(target, "scheduled_audits") == 0, "a superuser may");
    licman_string_free(target);
    target = licman_authorize(catalog, "/health/../audit", pro, false, NULL, 0, false, now, &error);
    CHECK(!target && error && error->http_status == 400, "ambiguous path is a 400");
    licman_error_free(error);
    error = NULL;

    /* Status and strings. */
    CHECK(strcmp(licman_license_status(starter, now), "active") == 0, "active");
    int64_t days = 0;
    CHECK(licman_license_days_until_expiry(starter, now, &days) == 0, "perpetual: no expiry");
    CHECK(licman_license_status(NULL, now) == NULL && licman_license_verified_status(NULL) == NULL, "NULL license: no status");
    CHECK(licman_license_days_until_expiry(NULL, now, &days) == -1 && licman_license_days_until_expiry(starter, now, NULL) == -1,
          "NULL arguments: -1");
    char *tier = licman_license_get(pro, "tier_display_name", &error);
    CHECK(tier && strcmp(tier, "Professional") == 0, "tier display name");
    licman_string_free(tier);

    /* Bad arguments: errors, never crashes. */
    CHECK(licman_license_has_module(NULL, "devices", &error) == -1 && error && strcmp(error->code, "null_argument") == 0, "NULL license");
    licman_error_free(error);
    error = NULL;
    CHECK(licman_license_has_module(starter, "\xff\xfe", &error) == -1 && error && strcmp(error->code, "invalid_encoding") == 0,
          "invalid UTF-8");
    licman_error_free(error);
    error = NULL;
    CHECK(licman_keyring_verify(ring, "garbage", catalog, NULL, &error) == NULL && error && strcmp(error->code, "wrong_prefix") == 0,
          "garbage license");
    licman_error_free(error);
    error = NULL;
    CHECK(licman_catalog_from_toml("product = ", &error) == NULL && error && strcmp(error->kind, "invalid_catalog") == 0, "bad catalog");
    licman_error_free(error);
    error = NULL;
    CHECK(licman_license_get(starter, "nonsense", &error) == NULL && error, "unknown field");
    licman_error_free(error);
    error = NULL;
    CHECK(licman_license_check_quota(starter, "devices", 10, 1, NULL) == -1, "a NULL error pointer is allowed");
    licman_license_free(NULL);
    licman_error_free(NULL);
    licman_string_free(NULL);

    licman_license_free(starter);
    licman_license_free(pro);
    licman_keyring_free(ring);
    licman_catalog_free(catalog);
    cJSON_Delete(fixtures);
    printf("scenarios: done (library %s)\n", licman_version());
}

/* The error is a refusal with this code and HTTP status; frees it. */
static int refused_with(LicmanError **error, const char *code, uint16_t http_status) {
    int ok = *error && strcmp((*error)->code, code) == 0 && (*error)->http_status == http_status;
    if (*error && !ok) fprintf(stderr, "  got %s (%u): %s\n", (*error)->code, (unsigned)(*error)->http_status, (*error)->description);
    licman_error_free(*error);
    *error = NULL;
    return ok;
}

/* The JSON body of the error has this string field. */
static int body_field_is(const LicmanError *error, const char *field, const char *value) {
    if (!error) return 0;
    cJSON *body = cJSON_Parse(error->body);
    const char *got = cJSON_GetStringValue(cJSON_GetObjectItem(body, field));
    int same = got && strcmp(got, value) == 0;
    cJSON_Delete(body);
    return same;
}

/* "needs" == licman_route_table_target(routes, path); frees the result. */
static int target_is(const LicmanRouteTable *routes, const char *path, const char *needs) {
    LicmanError *error = NULL;
    char *target = licman_route_table_target(routes, path, &error);
    int same = target && strcmp(target, needs) == 0;
    if (!same) fprintf(stderr, "  %s: %s\n", path, target ? target : error ? error->code : "?");
    licman_string_free(target);
    licman_error_free(error);
    return same;
}

/* Replaces the first `from` in `text` with `to` (a new string). */
static char *replaced(const char *text, const char *from, const char *to) {
    const char *at = strstr(text, from);
    if (!at) return strdup(text);
    size_t head = (size_t)(at - text), total = strlen(text) - strlen(from) + strlen(to);
    char *out = malloc(total + 1);
    memcpy(out, text, head);
    strcpy(out + head, to);
    strcat(out, at + strlen(from));
    return out;
}

static cJSON *vector_input(const char *root, const char *name, cJSON **vector) {
    char path[4096];
    snprintf(path, sizeof path, "%s/testdata/vectors/%s", root, name);
    char *text = read_file(path);
    *vector = cJSON_Parse(text);
    free(text);
    return cJSON_GetObjectItem(*vector, "input");
}

static void run_route_options(const char *root) {
    char path[4096];
    snprintf(path, sizeof path, "%s/examples/catalogs/netaudit.toml", root);
    char *toml = read_file(path);
    LicmanError *error = NULL;
    LicmanCatalog *catalog = licman_catalog_from_toml(toml, &error);
    CHECK(catalog != NULL, "catalog");

    LicmanRouteTable *exact = licman_route_table_new(catalog, NULL, &error);
    LicmanRouteOptions options = {0};
    CHECK(exact && licman_route_table_options(exact, &options) == 0 && options.path_case == LICMAN_PATH_CASE_EXACT &&
              options.unmatched == LICMAN_UNMATCHED_LICENSED,
          "the catalog's options: exact, licensed");
    CHECK(target_is(exact, "/DEVICES", "licensed"), "exact case");
    CHECK(target_is(exact, "/%64evices/7", "devices"), "escapes of unreserved characters are decoded");
    const char *bad[] = {"/devices#x", "/devices;x=1", "/login/..;/analytics", "/a%2Fb", "/a%20b"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char *target = licman_route_table_target(exact, bad[i], &error);
        CHECK(!target && refused_with(&error, "invalid_path", 400), "%s is a 400", bad[i]);
        licman_string_free(target);
    }

    LicmanRouteOptions fold_deny = {.path_case = LICMAN_PATH_CASE_FOLD_ASCII, .unmatched = LICMAN_UNMATCHED_DENY};
    LicmanRouteTable *folding = licman_route_table_new(catalog, &fold_deny, &error);
    CHECK(folding && licman_route_table_options(folding, &options) == 0 && options.path_case == LICMAN_PATH_CASE_FOLD_ASCII &&
              options.unmatched == LICMAN_UNMATCHED_DENY,
          "given options");
    CHECK(target_is(folding, "/DEVICES/7", "devices"), "folded");
    CHECK(target_is(folding, "/nowhere", "unlisted"), "unlisted target");
    char *target = licman_route_table_authorize(folding, "/nowhere", NULL, false, NULL, 0, false, 1780272000, &error);
    CHECK(!target && body_field_is(error, "action", "contact_admin") && refused_with(&error, "unlisted_path", 403),
          "an unlisted path is a 403");
    target = licman_route_table_authorize(folding, "/Login", NULL, false, NULL, 0, false, 0, &error);
    CHECK(target && strcmp(target, "public") == 0, "public, folded");
    licman_string_free(target);
    LicmanRouteOptions only_deny = {.unmatched = LICMAN_UNMATCHED_DENY};
    LicmanRouteTable *deny = licman_route_table_new(catalog, &only_deny, &error);
    CHECK(deny && licman_route_table_options(deny, &options) == 0 && options.path_case == LICMAN_PATH_CASE_EXACT,
          "only what is given is replaced");

    char *listed_toml = replaced(toml, "[routes]\n", "[routes]\ncase = \"fold_ascii\"\nunmatched = \"deny\"\n");
    LicmanCatalog *listed = licman_catalog_from_toml(listed_toml, &error);
    LicmanRouteTable *from_catalog = licman_route_table_new(listed, NULL, &error);
    CHECK(from_catalog && licman_route_table_options(from_catalog, &options) == 0 &&
              options.path_case == LICMAN_PATH_CASE_FOLD_ASCII && options.unmatched == LICMAN_UNMATCHED_DENY,
          "the catalog's [routes] options");
    target = licman_authorize(listed, "/nowhere", NULL, false, NULL, 0, false, 0, &error);
    CHECK(!target && refused_with(&error, "unlisted_path", 403), "licman_authorize uses the catalog's options");
    char *both_toml = replaced(toml, "\"/login\",", "\"/login\", \"/LOGIN\",");
    LicmanCatalog *both = licman_catalog_from_toml(both_toml, &error);
    LicmanRouteOptions fold = {.path_case = LICMAN_PATH_CASE_FOLD_ASCII};
    CHECK(both && licman_route_table_new(both, &fold, &error) == NULL && error && strcmp(error->kind, "invalid_catalog") == 0 &&
              strcmp(error->code, "route_conflict") == 0,
          "folding makes two routes one");
    licman_error_free(error);
    error = NULL;
    LicmanRouteOptions nonsense = {.path_case = 7};
    CHECK(licman_route_table_new(catalog, &nonsense, &error) == NULL && error && strcmp(error->code, "invalid_path_case") == 0,
          "an unknown path case");
    licman_error_free(error);
    error = NULL;
    CHECK(licman_route_table_new(NULL, NULL, &error) == NULL && refused_with(&error, "null_argument", 0), "NULL catalog");
    CHECK(licman_route_table_options(NULL, &options) == -1 && licman_route_table_options(exact, NULL) == -1, "NULL arguments: -1");

    licman_route_table_free(exact);
    licman_route_table_free(folding);
    licman_route_table_free(deny);
    licman_route_table_free(from_catalog);
    licman_route_table_free(NULL);
    licman_catalog_free(both);
    licman_catalog_free(listed);
    licman_catalog_free(catalog);
    free(both_toml);
    free(listed_toml);
    free(toml);
    printf("route options: done\n");
}

static void run_clock_and_revocations(const char *root) {
    char path[4096];
    snprintf(path, sizeof path, "%s/examples/catalogs/netaudit.toml", root);
    char *toml = read_file(path);
    snprintf(path, sizeof path, "%s/testdata/fixtures/netaudit-licenses.json", root);
    char *fixtures_text = read_file(path);
    cJSON *fixtures = cJSON_Parse(fixtures_text);
    free(fixtures_text);
    LicmanError *error = NULL;
    LicmanCatalog *catalog = licman_catalog_from_toml(toml, &error);
    free(toml);
    const char *key = cJSON_GetStringValue(cJSON_GetObjectItem(fixtures, "public_key"));
    LicmanKeyRing *ring = licman_keyring_new(&key, 1, &error);

    /* The last-seen time: a check at a time turned back after a later one is refused. */
    const uint64_t t = 1780272000, later = t + 86400;
    LicmanVerifyOptions at_t = {.now_unix = t};
    LicmanLicense *starter = licman_keyring_verify(
        ring, cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(fixtures, "licenses"), "starter")), catalog, &at_t, &error);
    CHECK(starter && licman_license_last_seen_unix(starter) == t, "last seen at verification");
    /* A status at another time is a preview: it records nothing. */
    CHECK(strcmp(licman_license_status(starter, later + 400 * 86400), "active") == 0, "a preview");
    CHECK(licman_license_last_seen_unix(starter) == t, "a preview records nothing");
    char *later_target = licman_authorize(catalog, "/devices", starter, false, NULL, 0, false, later, &error);
    CHECK(later_target && strcmp(later_target, "devices") == 0, "a later check");
    licman_string_free(later_target);
    CHECK(licman_license_last_seen_unix(starter) == later, "last seen after a later check");
    char *target = licman_authorize(catalog, "/devices", starter, false, NULL, 0, false, t, &error);
    CHECK(!target && body_field_is(error, "reason", "clock_rolled_back") && refused_with(&error, "clock_error", 402),
          "a check at a time turned back is refused");
    CHECK(licman_license_last_seen_unix(starter) == later && licman_license_last_seen_unix(NULL) == 0, "never moves back");

    /* Revocation lists: serial and issue time, and freshness. */
    cJSON *not_revoked_vector = NULL;
    const cJSON *input = vector_input(root, "038-not-revoked.json", &not_revoked_vector);
    size_t key_count = 0;
    const char **keys = strings_of(cJSON_GetObjectItem(input, "public_keys"), &key_count);
    LicmanKeyRing *vector_ring = licman_keyring_new(keys, key_count, &error);
    free(keys);
    const char *list = cJSON_GetStringValue(cJSON_GetObjectItem(input, "revocation_list"));
    const char *license = cJSON_GetStringValue(cJSON_GetObjectItem(input, "license"));
    LicmanRevocationListInfo info = {0};
    CHECK(licman_keyring_verify_revocation_list(vector_ring, list, "netaudit", &info, &error) == 0 && info.serial == 3 &&
              info.issued_at_unix == 1777593600 && info.revoked_count == 2,
          "list: serial %llu, issued %llu, %llu revoked", (unsigned long long)info.serial, (unsigned long long)info.issued_at_unix,
          (unsigned long long)info.revoked_count);
    CHECK(licman_keyring_verify_revocation_list(vector_ring, list, "netmonitor", &info, &error) == -1 && error &&
              strcmp(error->kind, "invalid_revocation_list") == 0,
          "another product's list");
    licman_error_free(error);
    error = NULL;
    CHECK(licman_keyring_verify_revocation_list(vector_ring, list, "netaudit", NULL, &error) == -1 &&
              refused_with(&error, "null_argument", 0),
          "NULL info");
    const uint64_t at = (uint64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(input, "now"));
    LicmanVerifyOptions fresh[] = {
        {.product = "netaudit", .now_unix = at, .revocations = list, .min_revocation_serial = 3},
        {.product = "netaudit", .now_unix = at, .revocations = list, .max_revocation_age_seconds = 60 * 86400},
    };
    for (size_t i = 0; i < sizeof fresh / sizeof *fresh; i++) {
        LicmanLicense *lic = licman_keyring_verify(vector_ring, license, NULL, &fresh[i], &error);
        CHECK(lic != NULL, "fresh list %zu accepted", i);
        licman_license_free(lic);
    }
    LicmanVerifyOptions stale[] = {
        {.product = "netaudit", .now_unix = at, .revocations = list, .min_revocation_serial = 4},
        {.product = "netaudit", .now_unix = at, .revocations = list, .max_revocation_age_seconds = 7 * 86400},
        {.product = "netaudit", .now_unix = at, .revocations = list, .min_revocation_serial = 4, .policy = LICMAN_POLICY_REPORT_ONLY},
    };
    for (size_t i = 0; i < sizeof stale / sizeof *stale; i++) {
        CHECK(licman_keyring_verify(vector_ring, license, NULL, &stale[i], &error) == NULL && error &&
                  strcmp(error->kind, "invalid_license") == 0 && refused_with(&error, "stale_revocation_list", 402),
              "stale list %zu refused", i);
    }

    /* Policies: advisory checks refuse a revoked license; report_only does not. */
    cJSON *revoked_vector = NULL;
    const cJSON *revoked = vector_input(root, "037-revoked.json", &revoked_vector);
    const char *revoked_license = cJSON_GetStringValue(cJSON_GetObjectItem(revoked, "license"));
    LicmanVerifyOptions policy = {.product = "netaudit", .now_unix = at,
                                  .revocations = cJSON_GetStringValue(cJSON_GetObjectItem(revoked, "revocation_list"))};
    policy.policy = LICMAN_POLICY_ENFORCE;
    CHECK(licman_keyring_verify(vector_ring, revoked_license, NULL, &policy, &error) == NULL && refused_with(&error, "revoked", 402),
          "enforce: revoked");
    policy.policy = LICMAN_POLICY_ADVISORY;
    LicmanLicense *advisory = licman_keyring_verify(vector_ring, revoked_license, NULL, &policy, &error);
    char *problems = licman_license_get(advisory, "problems", &error);
    CHECK(advisory && problems && strcmp(problems, "[\"revoked\"]") == 0, "advisory: problems %s", problems ? problems : "?");
    licman_string_free(problems);
    /* Verified without a catalog, the licenses know no modules: a path that needs only a license. */
    target = licman_authorize(catalog, "/nowhere", advisory, false, NULL, 0, false, at, &error);
    CHECK(!target && refused_with(&error, "license_revoked", 402), "advisory: checks refuse a revoked license");
    policy.policy = LICMAN_POLICY_REPORT_ONLY;
    LicmanLicense *report_only = licman_keyring_verify(vector_ring, revoked_license, NULL, &policy, &error);
    target = licman_authorize(catalog, "/nowhere", report_only, false, NULL, 0, false, at, &error);
    CHECK(report_only && target && strcmp(target, "licensed") == 0, "report_only: checks allow it (%s)", error ? error->code : "");
    licman_string_free(target);
    licman_error_free(error);
    error = NULL;
    policy.advisory = true;
    CHECK(licman_keyring_verify(vector_ring, revoked_license, NULL, &policy, &error) == NULL &&
              refused_with(&error, "conflicting_policy", 0),
          "advisory with another policy");
    policy.advisory = false;
    policy.policy = 9;
    CHECK(licman_keyring_verify(vector_ring, revoked_license, NULL, &policy, &error) == NULL && refused_with(&error, "invalid_policy", 0),
          "an unknown policy");

    licman_license_free(advisory);
    licman_license_free(report_only);
    licman_license_free(starter);
    licman_keyring_free(vector_ring);
    licman_keyring_free(ring);
    licman_catalog_free(catalog);
    cJSON_Delete(revoked_vector);
    cJSON_Delete(not_revoked_vector);
    cJSON_Delete(fixtures);
    printf("clock and revocations: done\n");
}

/* The allocation-free path (UTF-8 spans, target codes) agrees with the
   string functions, and names the unknown name in its error. */
static void run_span_functions(const char *root) {
    char path[4096];
    snprintf(path, sizeof path, "%s/examples/catalogs/netaudit.toml", root);
    char *toml = read_file(path);
    snprintf(path, sizeof path, "%s/testdata/fixtures/netaudit-licenses.json", root);
    char *fixtures_text = read_file(path);
    cJSON *fixtures = cJSON_Parse(fixtures_text);
    free(fixtures_text);
    LicmanError *error = NULL;
    LicmanCatalog *catalog = licman_catalog_from_toml(toml, &error);
    free(toml);
    const char *key = cJSON_GetStringValue(cJSON_GetObjectItem(fixtures, "public_key"));
    LicmanKeyRing *ring = licman_keyring_new(&key, 1, &error);
    const uint64_t t = 1780272000;
    LicmanVerifyOptions at_t = {.now_unix = t};
    LicmanLicense *starter = licman_keyring_verify(
        ring, cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(fixtures, "licenses"), "starter")), catalog, &at_t, &error);
    CHECK(starter != NULL, "starter verifies");

    const char *names[] = {"devices", "scheduled_audits", "manual_audits", "basic_rules"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        int by_string = licman_license_has_module(starter, names[i], NULL);
        /* The span need not end in a NUL: pass the name inside a longer buffer. */
        char buffer[64];
        snprintf(buffer, sizeof buffer, "%sXYZ", names[i]);
        int by_span = licman_license_has_module_utf8(starter, (const uint8_t *)buffer, strlen(names[i]), NULL);
        CHECK(by_string == by_span && by_span >= 0, "has_module_utf8(%s): %d vs %d", names[i], by_span, by_string);
    }
    CHECK(licman_license_has_module_utf8(starter, (const uint8_t *)"nope", 4, &error) == -1 && error &&
              strcmp(error->kind, "unknown_name") == 0 && strcmp(error->name, "nope") == 0,
          "an unknown module names itself");
    licman_error_free(error);
    error = NULL;
    CHECK(licman_license_has_module_utf8(starter, (const uint8_t *)"\xff", 1, &error) == -1 &&
              refused_with(&error, "invalid_encoding", 0), "a span that is not UTF-8 is refused");
    CHECK(licman_license_has_module_utf8(starter, NULL, 3, &error) == -1 && refused_with(&error, "null_argument", 0),
          "NULL with a length is refused");
    int licensed_ids = 0;
    for (uint32_t id = 0; id < 256; id++) licensed_ids += licman_license_has_module_id(starter, id);
    CHECK(licensed_ids == 4 && licman_license_has_module_id(starter, 256) == 0 && licman_license_has_module_id(NULL, 0) == 0,
          "has_module_id: the starter tier's 4 modules (%d)", licensed_ids);
    CHECK(licman_license_check_quota_utf8(starter, (const uint8_t *)"devices", 7, 9, 1, NULL) == 0, "9 + 1 devices fit");
    CHECK(licman_license_check_quota_utf8(starter, (const uint8_t *)"devices", 7, 10, 1, &error) == -1 &&
              refused_with(&error, "quota_exceeded", 403), "the 11th device is refused");

    LicmanRouteTable *routes = licman_route_table_new(catalog, NULL, &error);
    const char *paths[] = {"/", "/devices/7", "/audit-schedules", "/nowhere", "/login/..;/audit", "/rules"};
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
        for (uint32_t flags = 0; flags <= (LICMAN_CHECK_USER | LICMAN_SUPERUSER); flags++) {
            const char *groups[] = {"ops"};
            LicmanError *e1 = NULL, *e2 = NULL;
            char *target = licman_route_table_authorize(routes, paths[i], starter, flags & LICMAN_CHECK_USER, groups, 0,
                                                        flags & LICMAN_SUPERUSER, t, &e1);
            int code = licman_route_table_authorize_code(routes, (const uint8_t *)paths[i], strlen(paths[i]), starter,
                                                         flags, NULL, 0, t, &e2);
            if (target) {
                const char *expected = code == LICMAN_TARGET_PUBLIC ? "public" : code == LICMAN_TARGET_LICENSED ? "licensed" : NULL;
                int same = expected ? strcmp(target, expected) == 0
                                    : code >= LICMAN_TARGET_MODULE &&
                                          licman_license_has_module_id(starter, (uint32_t)(code - LICMAN_TARGET_MODULE)) ==
                                              licman_license_has_module(starter, target, NULL);
                CHECK(same && !e2, "%s flags %u: %s vs code %d", paths[i], flags, target, code);
            } else {
                CHECK(code == -1 && e1 && e2 && strcmp(e1->code, e2->code) == 0 && e1->http_status == e2->http_status &&
                          strcmp(e1->body, e2->body) == 0,
                      "%s flags %u: refused alike", paths[i], flags);
            }
            licman_string_free(target);
            licman_error_free(e1);
            licman_error_free(e2);
        }
    }
    /* Groups: names each followed by a NUL; an unterminated list and unknown flags are refused. */
    CHECK(licman_route_table_authorize_code(routes, (const uint8_t *)"/rules", 6, starter, LICMAN_CHECK_USER,
                                            (const uint8_t *)"nobody\0", 7, t, &error) == -1 &&
              error && strcmp(error->name, "nobody") == 0, "an unknown group names itself");
    licman_error_free(error);
    error = NULL;
    CHECK(licman_route_table_authorize_code(routes, (const uint8_t *)"/rules", 6, starter, LICMAN_CHECK_USER,
                                            (const uint8_t *)"ops", 3, t, &error) == -1 &&
              refused_with(&error, "invalid_groups", 0), "an unterminated group list is refused");
    CHECK(licman_route_table_authorize_code(routes, (const uint8_t *)"/rules", 6, starter, 4, NULL, 0, t, &error) == -1 &&
              refused_with(&error, "invalid_flags", 0), "unknown flags are refused");
    int plain = licman_route_table_authorize_code(routes, (const uint8_t *)"/devices/7", 10, starter, 0, NULL, 0, t, NULL);
    CHECK(plain >= LICMAN_TARGET_MODULE &&
              licman_route_table_authorize_code(routes, (const uint8_t *)"/devices/7", 10, starter, 0,
                                                (const uint8_t *)"junk", 4, t, &error) == plain && error == NULL,
          "without the user check the groups are not read");
    licman_error_free(error);
    error = NULL;
    /* A NUL inside a span is a byte like any other: the path is refused, not cut short. */
    CHECK(licman_route_table_authorize_code(routes, (const uint8_t *)"/login\0/audit-schedules", 23, starter, 0, NULL, 0, t,
                                            &error) == -1 && refused_with(&error, "invalid_path", 400),
          "a path with a NUL is refused (400)");
    CHECK(licman_route_table_authorize_code(routes, (const uint8_t *)"/rules", 6, starter, LICMAN_CHECK_USER, NULL, 0, t,
                                            &error) == -1 && refused_with(&error, "access_denied", 403),
          "no groups: no module");

    licman_route_table_free(routes);
    licman_license_free(starter);
    licman_keyring_free(ring);
    licman_catalog_free(catalog);
    cJSON_Delete(fixtures);
}

/* The machine fingerprint recipe on the fixed inputs of
   testdata/fixtures/machine-fingerprints.json. */
static void run_machine_fingerprints(const char *root) {
    char path[4096];
    snprintf(path, sizeof path, "%s/testdata/fixtures/machine-fingerprints.json", root);
    char *text = read_file(path);
    cJSON *doc = cJSON_Parse(text);
    free(text);
    const cJSON *item = NULL;
    int n = 0;
    cJSON_ArrayForEach(item, cJSON_GetObjectItem(doc, "valid")) {
        LicmanError *error = NULL;
        char *fp = licman_machine_fingerprint_of(cJSON_GetStringValue(cJSON_GetObjectItem(item, "product")),
                                                 cJSON_GetStringValue(cJSON_GetObjectItem(item, "machine_id")), &error);
        CHECK(fp && strcmp(fp, cJSON_GetStringValue(cJSON_GetObjectItem(item, "fingerprint"))) == 0, "fingerprint %d", n);
        licman_string_free(fp);
        licman_error_free(error);
        n++;
    }
    CHECK(n >= 5, "fingerprint cases");
    cJSON_ArrayForEach(item, cJSON_GetObjectItem(doc, "invalid")) {
        LicmanError *error = NULL;
        char *fp = licman_machine_fingerprint_of(cJSON_GetStringValue(cJSON_GetObjectItem(item, "product")),
                                                 cJSON_GetStringValue(cJSON_GetObjectItem(item, "machine_id")), &error);
        CHECK(!fp && refused_with(&error, "invalid_machine_id", 0), "an invalid machine id is refused");
    }
    /* This machine: a fingerprint, or a clear "no machine id" in a container without one. */
    LicmanError *error = NULL;
    char *mine = licman_machine_fingerprint("netaudit", &error);
    CHECK((mine && strlen(mine) == 64) || (error && strcmp(error->code, "no_machine_id") == 0), "this machine");
    licman_string_free(mine);
    licman_error_free(error);
    cJSON_Delete(doc);
}

/* Activation requests: the fixture's texts built from their fields and read
   back, its refusals with their codes, and its bound answer. */
static const char *str_or_null(const cJSON *object, const char *key) {
    const cJSON *v = cJSON_GetObjectItem(object, key);
    return cJSON_IsString(v) ? cJSON_GetStringValue(v) : NULL;
}

static void run_activation_requests(const char *root) {
    char path[4096];
    snprintf(path, sizeof path, "%s/testdata/fixtures/activation-requests.json", root);
    char *text = read_file(path);
    cJSON *doc = cJSON_Parse(text);
    free(text);
    const cJSON *item = NULL;
    int n = 0;
    cJSON_ArrayForEach(item, cJSON_GetObjectItem(doc, "valid")) {
        const cJSON *f = cJSON_GetObjectItem(item, "fields");
        LicmanError *error = NULL;
        for (int armored = 0; armored < 2; armored++) {
            char *built = licman_activation_request_build(
                str_or_null(f, "product"), str_or_null(f, "fingerprint"), str_or_null(f, "customer_id"),
                str_or_null(f, "license_id"), str_or_null(f, "nonce"),
                (uint64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(f, "created_at")), armored, &error);
            const char *expected = str_or_null(item, armored ? "armored" : "text");
            CHECK(built && strcmp(built, expected) == 0, "request %d built (armored %d)", n, armored);
            char *json = licman_activation_request_read(expected, &error);
            cJSON *fields = cJSON_Parse(json ? json : "null");
            CHECK(fields && cJSON_Compare(fields, f, 1), "request %d read back: %s", n, json ? json : "(null)");
            cJSON_Delete(fields);
            licman_string_free(json);
            licman_string_free(built);
        }
        licman_error_free(error);
        n++;
    }
    CHECK(n >= 3, "request cases");
    cJSON_ArrayForEach(item, cJSON_GetObjectItem(doc, "invalid")) {
        LicmanError *error = NULL;
        char *json = licman_activation_request_read(str_or_null(item, "text"), &error);
        int kind_ok = error && strcmp(error->kind, "invalid_activation_request") == 0;
        CHECK(!json && kind_ok && refused_with(&error, str_or_null(item, "error"), 0), "refused: %s",
              str_or_null(item, "about"));
    }
    LicmanError *error = NULL;
    CHECK(!licman_activation_request_build("netaudit", "ab", NULL, NULL, "00", 0, 0, &error) &&
              refused_with(&error, "invalid_fingerprint", 0), "a bad fingerprint is refused");

    const cJSON *answer = cJSON_GetObjectItem(doc, "answer");
    const char *keys[] = {str_or_null(answer, "public_key")};
    LicmanKeyRing *ring = licman_keyring_new(keys, 1, &error);
    const char *mine[] = {str_or_null(doc, "fingerprint")};
    LicmanVerifyOptions options = {
        .product = str_or_null(doc, "product"),
        .now_unix = (uint64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(answer, "now")),
        .fingerprints = mine,
        .fingerprint_count = 1,
    };
    LicmanLicense *bound = licman_keyring_verify(ring, str_or_null(answer, "license"), NULL, &options, &error);
    CHECK(bound != NULL, "the bound license verifies on its machine");
    const cJSON *valid = cJSON_GetObjectItem(doc, "valid");
    CHECK(licman_license_answers_activation(bound, str_or_null(cJSON_GetArrayItem(valid, 0), "text"), &error) == 1,
          "it answers its request");
    CHECK(licman_license_answers_activation(bound, str_or_null(cJSON_GetArrayItem(valid, 1), "text"), &error) == 0,
          "not another");
    CHECK(licman_license_answers_activation(bound, "lmreq1_!", &error) == -1 &&
              refused_with(&error, "invalid_encoding", 0), "a garbled request is an error");
    const char *other[] = {str_or_null(answer, "other_fingerprint")};
    options.fingerprints = other;
    LicmanLicense *elsewhere = licman_keyring_verify(ring, str_or_null(answer, "license"), NULL, &options, &error);
    CHECK(!elsewhere && error && strcmp(error->code, str_or_null(answer, "error_on_other_machine")) == 0,
          "refused on another machine");
    licman_error_free(error);
    error = NULL;
    /* This machine's request, or a clear "no machine id". */
    char *request = licman_activation_request("netaudit", "acme-corp", NULL, 1780272000, 0, &error);
    CHECK((request && strncmp(request, "lmreq1_", 7) == 0) || (error && strcmp(error->code, "no_machine_id") == 0),
          "this machine's request");
    licman_string_free(request);
    licman_error_free(error);
    licman_license_free(bound);
    licman_keyring_free(ring);
    cJSON_Delete(doc);
}

int main(int argc, char **argv) {
    const char *root = argc > 1 ? argv[1] : ".";
    run_vectors(root);
    run_scenarios(root);
    run_route_options(root);
    run_clock_and_revocations(root);
    run_span_functions(root);
    run_machine_fingerprints(root);
    run_activation_requests(root);
    printf("%d checks, %d failures\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
