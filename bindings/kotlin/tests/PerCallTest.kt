// The per-call path (dev.licman.LicenseChecks, RouteGate), tested
// differentially against the generated uniffi API on the same objects:
// every module, id, quota and path gives the same answer or the same
// refusal (class, code, status, body). Run from LicmanTest.kt's main.

import dev.licman.Catalog
import dev.licman.KeyRing
import dev.licman.License
import dev.licman.LicmanException
import dev.licman.RouteOptions
import dev.licman.RouteTable
import dev.licman.PathCase
import dev.licman.UnmatchedPath
import dev.licman.User
import dev.licman.VerifyOptions
import dev.licman.LicenseStatus
import dev.licman.checkValidAt
import dev.licman.checks
import dev.licman.expiresAt
import dev.licman.gate
import dev.licman.issuedAt
import dev.licman.lastSeen
import dev.licman.statusAt
import dev.licman.verifiedStatusEnum
import dev.licman.verifyOptions
import java.io.File
import java.time.Instant
import java.util.concurrent.CountDownLatch
import java.util.concurrent.atomic.AtomicInteger

/** The answer of a call: its value, or the refusal's class, code, status and body. */
private fun outcome(block: () -> Any?): String = try {
    "ok " + block().toString()
} catch (e: LicmanException) {
    when (e) {
        is LicmanException.Denied -> "Denied ${e.code} ${e.httpStatus} ${e.body}"
        is LicmanException.InvalidLicense -> "InvalidLicense ${e.code} ${e.httpStatus} ${e.body}"
        is LicmanException.UnknownName -> "UnknownName ${e.code} ${e.kind} ${e.name}"
        is LicmanException.InvalidArgument -> "InvalidArgument ${e.code}"
        else -> "${e::class.simpleName} ${e.message}"
    }
}

fun runPerCall(root: File) {
    val text = File(root, "examples/catalogs/netaudit.toml").readText()
    val catalog = Catalog.fromToml(text)
    val fixtures = Json(File(root, "testdata/fixtures/netaudit-licenses.json").readText()).parse().obj()
    val ring = KeyRing(listOf(fixtures["public_key"] as String))
    val t = 1780272000uL
    val now = Instant.ofEpochSecond(t.toLong())
    val licenses: Map<String, License> = fixtures["licenses"].obj().mapValues { (_, key) ->
        ring.verify(key as String, catalog, VerifyOptions(nowUnix = t)).also {
            it.setGroup("ops", catalog.moduleNames().filter { m -> it.hasModule(m) && m in setOf("devices", "manual_audits", "scheduled_audits") })
            it.setGroup("auditors", catalog.moduleNames().filter { m -> it.hasModule(m) && m in setOf("manual_audits", "basic_rules") })
        }
    }
    val names = catalog.moduleNames() + listOf("audit_schedules", "nonexistent", "", "DEVICES", "dévices")
    val quotas = listOf("devices", "users", "nonexistent", "")
    val paths = listOf("/", "/login", "/devices", "/devices/7/config", "/devices/discover", "/audit-schedules", "/analytics",
        "/rules", "/nowhere", "/Devices", "/login/..;/audit-schedules", "/%61udit-schedules", "/a%2Fb", "", "devices", "/é")
    val users: List<Pair<User?, Pair<List<String>?, Boolean>>> = listOf(
        null to (null to false),
        User(emptyList()) to (emptyList<String>() to false),
        User(listOf("ops")) to (listOf("ops") to false),
        User(listOf("auditors", "ops")) to (listOf("auditors", "ops") to false),
        User(emptyList(), superuser = true) to (emptyList<String>() to true),
        User(listOf("nobody")) to (listOf("nobody") to false),
        User((1..12).map { "g$it" } + "ops") to ((1..12).map { "g$it" } + "ops" to false),
    )
    for ((tier, license) in licenses) {
        license.checks().use { checks ->
            for (name in names) {
                val expected = outcome { license.hasModule(name) }
                val actual = outcome { checks.hasModule(name) }
                check(expected == actual) { "$tier hasModule($name): $actual, the generated API says $expected" }
            }
            for (id in -1..300) {
                val expected = id in 0..255 && license.hasModuleId(id.toUByte())
                check(checks.hasModuleId(id) == expected) { "$tier hasModuleId($id)" }
            }
            for (quota in quotas) for (current in listOf(0L, 9L, 10L, 1_000_000L)) for (requested in listOf(0L, 1L, 5L)) {
                val expected = outcome { license.checkQuota(quota, current.toULong(), requested.toULong()) }
                val actual = outcome { checks.checkQuota(quota, current, requested) }
                check(expected == actual) { "$tier checkQuota($quota, $current, $requested): $actual vs $expected" }
            }
            for (options in listOf<RouteOptions?>(null, RouteOptions(PathCase.FOLD_ASCII, UnmatchedPath.DENY))) {
                val routes = if (options == null) RouteTable(catalog) else RouteTable.withOptions(catalog, options.pathCase, options.unmatched)
                routes.gate().use { gate ->
                    for (path in paths) for ((user, plain) in users) for (withLicense in listOf(true, false)) {
                        val (groups, superuser) = plain
                        val l = if (withLicense) license else null
                        val expected = outcome { routes.authorize(path, l, groups, superuser, t) }
                        val actual = outcome { gate.authorize(path, if (withLicense) checks else null, user, now) }
                        check(expected == actual) { "$tier $options authorize($path, $user, license=$withLicense): $actual vs $expected" }
                    }
                }
                routes.destroy()
            }
        }
    }

    // Instant, Duration and the status enum for the generated API.
    val typed = ring.verify(fixtures["licenses"].obj()["starter"] as String, catalog, verifyOptions(now = now))
    check(typed.lastSeen == now && typed.expiresAt == null && !typed.issuedAt.isAfter(now)) { "times ${typed.lastSeen} ${typed.issuedAt}" }
    check(typed.statusAt(now) == LicenseStatus.ACTIVE && typed.verifiedStatusEnum == LicenseStatus.ACTIVE) { "status" }
    check(typed.checkValidAt(now.plusSeconds(60)) == LicenseStatus.ACTIVE) { "checkValidAt" }
    check(LicenseStatus.entries.all { LicenseStatus.of(it.code) == it }) { "status codes" }
    check(runCatching { LicenseStatus.of("sparkling") }.exceptionOrNull() is IllegalArgumentException) { "an unknown status" }
    check(runCatching { verifyOptions(now = Instant.ofEpochSecond(-1)) }.exceptionOrNull() is IllegalArgumentException) { "before 1970" }
    typed.destroy()

    // One copy of the native library serves the generated API and the per-call path.
    // (JNA extracts the JAR's library to a temporary file: every such file mapped must be that one.)
    val maps = File("/proc/self/maps")
    if (maps.exists()) {
        // The instance Native.register(cls, name) uses: cached by name and the class loader.
        val options = mapOf(com.sun.jna.Library.OPTION_CLASSLOADER to License::class.java.classLoader)
        val library = com.sun.jna.NativeLibrary.getInstance("licman_ffi", options).file?.canonicalPath
        val mapped = maps.readLines().mapNotNull { line ->
            line.indexOf('/').takeIf { it >= 0 }?.let { line.substring(it).removeSuffix(" (deleted)") }
        }.toSet()
        val copies = mapped.filter { it == library || ("/jna" in it && it.endsWith(".tmp")) || it.endsWith("liblicman_ffi.so") }.toSet()
        check(library != null && copies == setOf(library)) { "native library copies loaded: $copies (JNA's: $library)" }
    }
    check(runCatching { User(listOf("ops\u0000admins")) }.exceptionOrNull() is IllegalArgumentException) { "a NUL in a group" }

    // Text that is not Unicode (an unpaired surrogate) has no UTF-8 form: it
    // is refused as the C ABI refuses invalid UTF-8, never read with a `?`
    // in its place (which would start a query and hide the `..` after it).
    RouteTable(catalog).let { routes ->
        routes.gate().use { gate ->
            licenses.getValue("starter").checks().use { starter ->
                val lone = listOf("/login\uD800/../audit-schedules", "/x\uDC00/../audit-schedules", "/devices\uD800", "\uDBFF")
                for (path in lone) {
                    val actual = outcome { gate.authorize(path, starter, null, now) }
                    check(actual == "InvalidArgument invalid_encoding") { "authorize($path): $actual" }
                    check(outcome { gate.authorize(path, starter, User(listOf("ops")), now) } == actual) { "with a user: $path" }
                }
                check(outcome { starter.hasModule("devices\uD800") } == "InvalidArgument invalid_encoding") { "a module name" }
                check(outcome { starter.checkQuota("devices\uDC00", 1, 1) } == "InvalidArgument invalid_encoding") { "a quota name" }
                check(outcome { User(listOf("ops\uD800")) } == "InvalidArgument invalid_encoding") { "a group name" }
                // A surrogate pair is a character like any other.
                check(outcome { gate.authorize("/devices/\uD83D\uDE00", starter, null, now) }.startsWith("Denied invalid_path 400")) {
                    "an emoji in a path"
                }
                check(outcome { starter.hasModule("\uD83D\uDE00") }.startsWith("UnknownName")) { "an emoji module" }
            }
        }
        routes.destroy()
    }

    // close() holds even while another thread's call is running: a closed
    // LicenseChecks never answers again. (A worker keeps calls running on a
    // long path; most of each call is inside the native code, so over 20
    // rounds close() lands during a call many times.)
    RouteTable(catalog).let { routes ->
        routes.gate().use { gate ->
            val long = "/devices/" + "a".repeat(2_000_000)
            repeat(20) { round ->
                val busy = licenses.getValue("starter").checks()
                val started = CountDownLatch(1)
                val stop = java.util.concurrent.atomic.AtomicBoolean(false)
                val worker = Thread {
                    started.countDown()
                    while (!stop.get()) {
                        if (runCatching { gate.authorize(long, busy, null, now) }.exceptionOrNull() is IllegalStateException) break
                    }
                }.also { it.start() }
                started.await()
                Thread.sleep(3L + round % 7)
                busy.close()
                val after = runCatching { busy.hasModule("devices") }.exceptionOrNull()
                stop.set(true)
                worker.join(60_000)
                check(after is IllegalStateException) { "round $round: a closed LicenseChecks answered while another call ran: $after" }
            }
        }
        routes.destroy()
    }

    // Closed objects refuse calls; closing while other threads call is safe.
    val license = licenses.getValue("professional")
    val checks = license.checks()
    checks.close()
    checks.close()
    try {
        checks.hasModuleId(8)
        check(false) { "a closed LicenseChecks answered" }
    } catch (e: IllegalStateException) {
        check(e.message?.contains("closed") == true) { "closed: ${e.message}" }
    }
    repeat(20) {
        val shared = license.checks()
        val start = CountDownLatch(1)
        val answered = AtomicInteger()
        val threads = (1..4).map {
            Thread {
                start.await()
                try {
                    while (true) {
                        if (shared.hasModule("scheduled_audits")) answered.incrementAndGet()
                    }
                } catch (_: IllegalStateException) {
                    // closed under us: the expected end
                }
            }.also { it.start() }
        }
        start.countDown()
        Thread.sleep(2)
        shared.close()
        threads.forEach { it.join(10_000) }
        check(threads.none { it.isAlive }) { "a thread kept calling a closed LicenseChecks" }
    }
    licenses.values.forEach { it.destroy() }
    ring.destroy(); catalog.destroy()
    println("per-call path: done")
}
