// The JVM package (target/dist/kotlin/licman-VERSION.jar) used from plain
// Java, with only the JAR, JNA and the Kotlin standard library on the class
// path: the JAR must find and load its own native library.
//
//   java -cp licman.jar:jna.jar:kotlin-stdlib.jar JavaTest.java REPO_ROOT

import dev.licman.Catalog;
import dev.licman.KeyRing;
import dev.licman.License;
import dev.licman.LicenseChecks;
import dev.licman.Licman;
import dev.licman.LicmanException;
import dev.licman.RouteGate;
import dev.licman.RouteTable;
import dev.licman.User;
import dev.licman.VerifyOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class JavaTest {
    static int checks = 0;
    static int failures = 0;

    static void check(boolean condition, String what) {
        checks++;
        if (!condition) {
            failures++;
            System.err.println("FAIL: " + what);
        }
    }

    /** A string field of the fixtures' JSON (the test needs only a few). */
    static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
        if (!m.find()) throw new IllegalStateException("no " + name);
        return m.group(1).replace("\\n", "\n");
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args.length > 0 ? args[0] : ".");
        String fixtures = Files.readString(root.resolve("testdata/fixtures/netaudit-licenses.json"));
        Catalog catalog = Catalog.Companion.fromToml(Files.readString(root.resolve("examples/catalogs/netaudit.toml")));
        KeyRing ring = new KeyRing(List.of(field(fixtures, "public_key")));
        License license = ring.verify(field(fixtures, "starter"), catalog, new VerifyOptions());
        check(license.hasModule("devices") && !license.hasModule("scheduled_audits"), "the generated API answers");
        license.setGroup("ops", List.of("devices", "manual_audits"));

        try (LicenseChecks checks = Licman.checks(license); RouteGate gate = Licman.gate(new RouteTable(catalog))) {
            check(checks.hasModule("devices"), "hasModule(devices)");
            check(!checks.hasModule("scheduled_audits"), "hasModule(scheduled_audits)");
            checks.checkQuota("devices", 9);
            try {
                checks.checkQuota("devices", 10, 1);
                check(false, "the 11th device fits");
            } catch (LicmanException.Denied e) {
                check(e.getCode().equals("quota_exceeded") && e.getBody().contains("\"max\":10"), "quota_exceeded: " + e.getBody());
            }
            try {
                checks.hasModule("nope");
                check(false, "an unknown module answered");
            } catch (LicmanException.UnknownName e) {
                check(e.getName().equals("nope") && e.getKind().equals("module"), "unknown name " + e.getName());
            }
            User ops = new User(List.of("ops"));
            check(gate.authorize("/devices/7", checks, ops).equals("devices"), "ops reach devices");
            check(gate.authorize("/login", null).equals("public"), "public without a license");
            try {
                gate.authorize("/rules", checks, ops, Instant.now());
                check(false, "ops reach rules");
            } catch (LicmanException.Denied e) {
                check(e.getCode().equals("access_denied"), "access_denied: " + e.getCode());
            }
            try {
                gate.authorize("/devices", null);
                check(false, "no license reaches devices");
            } catch (LicmanException.Denied e) {
                check(e.getCode().equals("no_license") && Licman.httpStatus(e) == 402, "no_license 402");
            }
        }
        System.out.println("Java: " + checks + " checks, " + failures + " failures");
        if (failures > 0) System.exit(1);
    }
}
