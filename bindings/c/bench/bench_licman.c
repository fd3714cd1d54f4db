/*
 * Per-call cost of the C ABI: the Professional fixture license with the
 * NetAudit catalog, the median of 7 timed rounds per call. Figures are in
 * docs/PERFORMANCE.md; nothing here is asserted (timings are not tests).
 *
 *   bench_licman REPO_ROOT
 *
 * Built and run by `bash bindings/c/bench.sh`.
 */
#define _POSIX_C_SOURCE 200809L
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "licman.h"
#include "read_file.h"

static uint64_t nanos(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The calls under test share this state. */
static LicmanKeyRing *ring;
static LicmanCatalog *catalog;
static LicmanLicense *license;
static const char *key_text;
static volatile int64_t sink;
static const uint64_t now = 1780272000; /* 2026-06-01 */
static const char *const ops_groups[] = {"ops"};

static int verify_once(void) {
    LicmanVerifyOptions options = {0};
    options.product = "netaudit";
    options.now_unix = now;
    LicmanLicense *l = licman_keyring_verify(ring, key_text, catalog, &options, NULL);
    int ok = l != NULL;
    licman_license_free(l);
    return ok;
}

static int has_module_once(void) { return licman_license_has_module(license, "scheduled_audits", NULL); }

static int check_quota_once(void) { return licman_license_check_quota(license, "devices", 10, 1, NULL); }

static int authorize_once(void) {
    char *what = licman_authorize(catalog, "/devices/7/config", license, false, NULL, 0, false, now, NULL);
    int ok = what != NULL;
    licman_string_free(what);
    return ok;
}

static int authorize_user_once(void) {
    char *what = licman_authorize(catalog, "/devices/7/config", license, true, ops_groups, 1, false, now, NULL);
    int ok = what != NULL;
    licman_string_free(what);
    return ok;
}

static double per_call(int (*call)(void), long n) {
    double samples[7];
    for (int r = 0; r < 7; r++) {
        uint64_t t0 = nanos();
        for (long i = 0; i < n; i++) sink += call();
        samples[r] = (double)(nanos() - t0) / (double)n;
    }
    qsort(samples, 7, sizeof samples[0], compare_doubles);
    return samples[3];
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s REPO_ROOT\n", argv[0]);
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/examples/catalogs/netaudit.toml", argv[1]);
    char *toml = read_file(path);
    snprintf(path, sizeof path, "%s/testdata/fixtures/netaudit-licenses.json", argv[1]);
    char *fixtures_text = read_file(path);
    if (!toml || !fixtures_text) {
        fprintf(stderr, "cannot read the catalog or the fixtures under %s\n", argv[1]);
        return 1;
    }
    cJSON *fixtures = cJSON_Parse(fixtures_text);
    const char *public_key = cJSON_GetStringValue(cJSON_GetObjectItem(fixtures, "public_key"));
    key_text = cJSON_GetStringValue(
        cJSON_GetObjectItem(cJSON_GetObjectItem(fixtures, "licenses"), "professional"));
    LicmanError *error = NULL;
    catalog = licman_catalog_from_toml(toml, &error);
    ring = public_key ? licman_keyring_new(&public_key, 1, &error) : NULL;
    if (!catalog || !ring || !key_text || !verify_once()) {
        fprintf(stderr, "set-up failed: %s\n", error ? error->description : "no fixture");
        return 1;
    }
    LicmanVerifyOptions options = {0};
    options.product = "netaudit";
    options.now_unix = now;
    license = licman_keyring_verify(ring, key_text, catalog, &options, &error);
    const char *const ops_modules[] = {"devices", "manual_audits"};
    if (!license || licman_license_set_group(license, "ops", ops_modules, 2, &error) != 0 ||
        has_module_once() != 1 || check_quota_once() != 0 || !authorize_once() || !authorize_user_once()) {
        fprintf(stderr, "set-up failed: %s\n", error ? error->description : "a check refused");
        return 1;
    }

    printf("C ABI (%s), Professional fixture, median of 7 rounds\n", licman_version());
    printf("%-52s %10.1f ns\n", "licman_keyring_verify (+ catalog, + free)", per_call(verify_once, 2000));
    printf("%-52s %10.1f ns\n", "licman_license_has_module(\"scheduled_audits\")", per_call(has_module_once, 2000000));
    printf("%-52s %10.1f ns\n", "licman_license_check_quota(\"devices\", 10, 1)", per_call(check_quota_once, 2000000));
    printf("%-52s %10.1f ns\n", "licman_authorize(\"/devices/7/config\") (+ free)", per_call(authorize_once, 1000000));
    printf("%-52s %10.1f ns\n", "licman_authorize(..., groups [\"ops\"]) (+ free)", per_call(authorize_user_once, 1000000));

    licman_license_free(license);
    licman_keyring_free(ring);
    licman_catalog_free(catalog);
    cJSON_Delete(fixtures);
    free(fixtures_text);
    free(toml);
    return 0;
}
