// Per-call cost of the uniffi Kotlin binding on the JVM: the Professional
// fixture license with the NetAudit catalog, the median of 7 timed rounds
// after a warm-up. Figures are in docs/PERFORMANCE.md; nothing is asserted.
// Compiled with LicmanTest.kt (it shares its JSON reader) by .ci/kotlin.sh:
//
//   java -Djna.library.path=target/release -cp test.jar:jna.jar LicmanBench REPO_ROOT

import java.io.File
import uniffi.licman.Catalog
import uniffi.licman.KeyRing
import uniffi.licman.RouteTable
import uniffi.licman.VerifyOptions

object LicmanBench {
private var benchSink = 0L

private fun perCall(n: Int, call: () -> Boolean): Double {
    repeat(n) { if (call()) benchSink++ } // warm-up: JIT and caches
    val samples = DoubleArray(7) {
        val t0 = System.nanoTime()
        repeat(n) { if (call()) benchSink++ }
        (System.nanoTime() - t0).toDouble() / n
    }
    samples.sort()
    return samples[3]
}

@JvmStatic
fun main(args: Array<String>) {
    val root = File(args.getOrElse(0) { "." })
    val catalog = Catalog.fromToml(File(root, "examples/catalogs/netaudit.toml").readText())
    @Suppress("UNCHECKED_CAST")
    val fixtures = Json(File(root, "testdata/fixtures/netaudit-licenses.json").readText()).parse() as Map<String, Any?>
    @Suppress("UNCHECKED_CAST")
    val key = (fixtures["licenses"] as Map<String, Any?>)["professional"] as String
    val ring = KeyRing(listOf(fixtures["public_key"] as String))
    val now = 1780272000uL
    val options = VerifyOptions(nowUnix = now)
    val license = ring.verify(key, catalog, options)
    license.setGroup("ops", listOf("devices", "manual_audits"))
    val routes = RouteTable(catalog)
    val ops = listOf("ops")

    println("Kotlin (uniffi, JNA), Professional fixture, median of 7 rounds")
    val rows = listOf<Triple<String, Int, () -> Boolean>>(
        Triple("ring.verify(key, catalog, options)", 2_000, { ring.verify(key, catalog, options).destroy(); true }),
        Triple("license.hasModule(\"scheduled_audits\")", 50_000, { license.hasModule("scheduled_audits") }),
        Triple("license.hasModuleId(8) (no string)", 50_000, { license.hasModuleId(8u) }),
        Triple("license.checkQuota(\"devices\", 10, 1)", 50_000, { license.checkQuota("devices", 10uL, 1uL); true }),
        Triple("routes.authorize(\"/devices/7/config\", license)", 20_000,
            { routes.authorize("/devices/7/config", license, null, false, now) == "devices" }),
        Triple("routes.authorize(..., groups [\"ops\"])", 20_000,
            { routes.authorize("/devices/7/config", license, ops, false, now) == "devices" }),
    )
    for ((label, n, call) in rows) println(String.format("%-52s %10.1f ns", label, perCall(n, call)))
    if (benchSink == 0L) println("(no call succeeded)")
}
}
