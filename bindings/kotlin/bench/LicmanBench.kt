// Per-call cost of the uniffi Kotlin binding on the JVM: the Professional
// fixture license with the NetAudit catalog, the median of 7 timed rounds
// after a warm-up. Figures are in docs/PERFORMANCE.md; nothing is asserted.
// Compiled with LicmanTest.kt (it shares its JSON reader) by .ci/kotlin.sh:
//
//   java -Djna.library.path=target/release -cp test.jar:jna.jar LicmanBench REPO_ROOT

import java.io.File
import dev.licman.Catalog
import dev.licman.KeyRing
import dev.licman.RouteTable
import dev.licman.VerifyOptions
import dev.licman.User
import dev.licman.checks
import dev.licman.gate
import java.time.Instant

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

    val checks = license.checks()
    val gate = routes.gate()
    val opsUser = User(ops)
    val at = Instant.ofEpochSecond(now.toLong())

    println("Kotlin (JNA), Professional fixture, median of 7 rounds")
    val rows = listOf<Triple<String, Int, () -> Boolean>>(
        Triple("per-call: checks.hasModule(\"scheduled_audits\")", 2_000_000, { checks.hasModule("scheduled_audits") }),
        Triple("per-call: checks.hasModuleId(8)", 2_000_000, { checks.hasModuleId(8) }),
        Triple("per-call: checks.checkQuota(\"devices\", 10, 1)", 2_000_000, { checks.checkQuota("devices", 10, 1); true }),
        Triple("per-call: gate.authorize(\"/devices/7/config\", checks)", 1_000_000,
            { gate.authorize("/devices/7/config", checks, null, at) == "devices" }),
        Triple("per-call: gate.authorize(..., User([\"ops\"]))", 1_000_000,
            { gate.authorize("/devices/7/config", checks, opsUser, at) == "devices" }),
        Triple("ring.verify(key, catalog, options)", 500, { ring.verify(key, catalog, options).destroy(); true }),
        Triple("license.hasModule(\"scheduled_audits\")", 10_000, { license.hasModule("scheduled_audits") }),
        Triple("license.hasModuleId(8) (no string)", 10_000, { license.hasModuleId(8u) }),
        Triple("license.checkQuota(\"devices\", 10, 1)", 10_000, { license.checkQuota("devices", 10uL, 1uL); true }),
        Triple("routes.authorize(\"/devices/7/config\", license)", 5_000,
            { routes.authorize("/devices/7/config", license, null, false, now) == "devices" }),
        Triple("routes.authorize(..., groups [\"ops\"])", 5_000,
            { routes.authorize("/devices/7/config", license, ops, false, now) == "devices" }),
    )
    for ((label, n, call) in rows) {
        val started = System.nanoTime()
        val cost = perCall(n, call)
        println(String.format("%-52s %10.1f ns   (%.1f s)", label, cost, (System.nanoTime() - started) / 1e9))
    }
    if (benchSink == 0L) println("(no call succeeded)")
}
}
