// The Kotlin binding (dev.licman: uniffi, and the per-call path), tested from Kotlin: every conformance vector,
// the NetAudit scenarios, the module snapshot, typed exceptions, route
// options, the last-seen time, revocation-list freshness and policies.
//
//   java -Djna.library.path=target/release -cp test.jar:jna.jar LicmanTestKt REPO_ROOT

import java.io.File
import dev.licman.ActivationRequest
import dev.licman.ActivationRequestInfo
import dev.licman.Catalog
import dev.licman.activationRequest
import dev.licman.activationRequestAt
import dev.licman.createdAt
import dev.licman.KeyRing
import dev.licman.LicmanException
import dev.licman.PathCase
import dev.licman.Policy
import dev.licman.RouteOptions
import dev.licman.RouteTable
import dev.licman.UnmatchedPath
import dev.licman.VerifyOptions

var failures = 0
var checks = 0

fun check(condition: Boolean, message: () -> String) {
    checks++
    if (!condition) {
        failures++
        System.err.println("FAIL: " + message())
    }
}

/** A small JSON reader (objects, arrays, strings, numbers, booleans, null). */
class Json(private val text: String) {
    private var i = 0

    fun parse(): Any? {
        val value = value()
        space()
        require(i == text.length) { "trailing characters at $i" }
        return value
    }

    private fun space() { while (i < text.length && text[i].isWhitespace()) i++ }

    private fun value(): Any? {
        space()
        return when (val c = text[i]) {
            '{' -> obj()
            '[' -> arr()
            '"' -> str()
            't' -> { i += 4; true }
            'f' -> { i += 5; false }
            'n' -> { i += 4; null }
            else -> if (c == '-' || c.isDigit()) num() else error("unexpected '$c' at $i")
        }
    }

    private fun obj(): Map<String, Any?> {
        val out = LinkedHashMap<String, Any?>()
        i++
        space()
        if (text[i] == '}') { i++; return out }
        while (true) {
            space()
            val key = str()
            space(); i++ // ':'
            out[key] = value()
            space()
            if (text[i++] == '}') return out
        }
    }

    private fun arr(): List<Any?> {
        val out = ArrayList<Any?>()
        i++
        space()
        if (text[i] == ']') { i++; return out }
        while (true) {
            out.add(value())
            space()
            if (text[i++] == ']') return out
        }
    }

    private fun str(): String {
        val out = StringBuilder()
        i++ // opening quote
        while (true) {
            val c = text[i++]
            when (c) {
                '"' -> return out.toString()
                '\\' -> {
                    when (val e = text[i++]) {
                        'n' -> out.append('\n'); 't' -> out.append('\t'); 'r' -> out.append('\r')
                        'b' -> out.append('\b'); 'f' -> out.append('\u000c')
                        'u' -> { out.append(text.substring(i, i + 4).toInt(16).toChar()); i += 4 }
                        else -> out.append(e)
                    }
                }
                else -> out.append(c)
            }
        }
    }

    private fun num(): Any {
        val start = i
        while (i < text.length && (text[i].isDigit() || text[i] in "+-.eE")) i++
        val s = text.substring(start, i)
        return s.toLongOrNull() ?: s.toDouble()
    }
}

@Suppress("UNCHECKED_CAST")
fun Any?.obj() = this as Map<String, Any?>

@Suppress("UNCHECKED_CAST")
fun Any?.list() = this as List<Any?>

fun runVectors(root: File) {
    val files = File(root, "testdata/vectors").listFiles { f -> f.name.endsWith(".json") }!!.sortedBy { it.name }
    check(files.size >= 25) { "only ${files.size} vectors" }
    for (file in files) {
        val vector = Json(file.readText()).parse().obj()
        val name = vector["name"] as String
        val input = vector["input"].obj()
        val expected = vector["expected"].obj()
        val options = VerifyOptions(
            product = input["product"] as String,
            nowUnix = (input["now"] as Long).toULong(),
            lastSeenUnix = (input["last_seen"] as Long?)?.toULong(),
            revocations = input["revocation_list"] as String?,
            fingerprints = input["fingerprints"].list().map { it as String },
            advisory = input["policy"] == "advisory",
        )
        try {
            val ring = KeyRing(input["public_keys"].list().map { it as String })
            val license = ring.verify(input["license"] as String, null, options)
            check(expected["valid"] == true) { "$name: accepted, expected ${expected["error"]}" }
            if (expected["valid"] == true) {
                check(license.verifiedStatus() == expected["status"]) { "$name: status ${license.verifiedStatus()}" }
                check(license.problems() == expected["problems"]) { "$name: problems ${license.problems()}" }
                check(Json(license.claimsJson()).parse() == expected["claims"]) { "$name: claims ${license.claimsJson()}" }
                check(license.customer().id == expected["claims"].obj()["customer"].obj()["id"]) { "$name: customer" }
            }
            license.destroy()
            ring.destroy()
        } catch (e: LicmanException) {
            val code = when (e) {
                is LicmanException.InvalidLicense -> e.code
                is LicmanException.InvalidPublicKey -> e.code
                is LicmanException.InvalidRevocationList -> e.code
                else -> "unexpected ${e::class.simpleName}"
            }
            check(expected["valid"] == false && code == expected["error"]) { "$name: refused with $code: ${e.message}" }
            if (e is LicmanException.InvalidLicense) {
                check(e.httpStatus.toInt() == 402 && e.body.isNotEmpty()) { "$name: 402 body" }
            }
        }
    }
    println("vectors: ${files.size} run")
}

fun runScenarios(root: File) {
    val catalog = Catalog.fromToml(File(root, "examples/catalogs/netaudit.toml").readText())
    val fixtures = Json(File(root, "testdata/fixtures/netaudit-licenses.json").readText()).parse().obj()
    val licenses = fixtures["licenses"].obj()
    val ring = KeyRing(listOf(fixtures["public_key"] as String))
    val now = VerifyOptions(nowUnix = 1780272000uL)
    val starter = ring.verify(licenses["starter"] as String, catalog, now)
    val pro = ring.verify(licenses["professional"] as String, catalog, now)
    val enterprise = ring.verify(licenses["enterprise"] as String, catalog, now)

    check(starter.modules() == listOf("devices", "manual_audits", "basic_rules", "health_checks")) { "starter modules ${starter.modules()}" }
    check(starter.hasModule("audit")) { "alias" }
    check(!starter.hasModule("scheduled_audits")) { "tier" }
    try {
        starter.hasModule("warp_drive")
        check(false) { "unknown module accepted" }
    } catch (e: LicmanException.UnknownName) {
        check(e.kind == "module" && e.name == "warp_drive") { "unknown name fields" }
    }

    // Device quota: 10 fit, the 11th is refused with the seed's body.
    for (current in 0uL until 10uL) starter.checkQuota("devices", current, 1uL)
    try {
        starter.checkQuota("devices", 10uL, 1uL)
        check(false) { "11th device accepted" }
    } catch (e: LicmanException.Denied) {
        check(e.code == "quota_exceeded" && e.httpStatus.toInt() == 403) { "quota denial ${e.code}" }
        check(Json(e.body).parse() == mapOf("error" to "Quota exceeded", "quota_type" to "devices", "current" to 10L, "max" to 10L,
            "message" to "Cannot add 1 more devices. Current: 10/10", "action" to "upgrade_license")) { "quota body ${e.body}" }
    }
    check(starter.accept("devices", 0uL, 20uL) == 10uL) { "discovery" }
    check(pro.accept("devices", 90uL, 20uL) == 10uL) { "professional discovery" }
    check(enterprise.quotaLimit("devices") == null) { "unlimited" }

    // Groups, the snapshot, and the gateway.
    pro.setGroup("ops", listOf("devices", "manual_audits"))
    try {
        pro.setGroup("ops", listOf("analytics"))
        check(false) { "unlicensed module granted" }
    } catch (e: LicmanException.InvalidArgument) {
        check(e.code == "module_not_licensed") { "group refusal ${e.code}" }
    }
    // By an alias, the refusal names the module canonically.
    val byAlias = refused<LicmanException.Denied>("access by alias") { pro.checkModuleAccess("audit_schedules", listOf("ops"), false) }
    check(byAlias == null || (byAlias.code == "access_denied" &&
        Json(byAlias.body).parse().obj()["module"] == "scheduled_audits")) { "access by alias ${byAlias?.body}" }
    val allowed = pro.moduleSnapshot(listOf("ops"), false).names.toHashSet()
    check("devices" in allowed && "scheduled_audits" !in allowed) { "snapshot $allowed" }
    check(pro.moduleSnapshot(emptyList(), true).names.size == 14) { "superuser snapshot" }

    val routes = RouteTable(catalog)
    check(routes.authorize("/devices/7", starter, null, false, 1780272000uL) == "devices") { "devices route" }
    try {
        routes.authorize("/audit-schedules", starter, null, false, 1780272000uL)
        check(false) { "starter reached scheduled audits" }
    } catch (e: LicmanException.Denied) {
        check(e.httpStatus.toInt() == 403 && e.code == "module_not_licensed") { "route denial ${e.code}" }
        check(Json(e.body).parse().obj()["current_tier"] == "starter") { "route body ${e.body}" }
    }
    try {
        routes.authorize("/devices", null, null, false, 1780272000uL)
        check(false) { "no license passed" }
    } catch (e: LicmanException.Denied) {
        check(e.httpStatus.toInt() == 402 && e.code == "no_license") { "402 ${e.code}" }
    }
    try {
        routes.authorize("/audit-schedules", pro, listOf("ops"), false, 1780272000uL)
        check(false) { "groups ignored" }
    } catch (e: LicmanException.Denied) {
        check(e.code == "access_denied" && e.httpStatus.toInt() == 403) { "access ${e.code}" }
    }
    check(routes.authorize("/login", null, null, false, null) == "public") { "public" }
    check(starter.status(1780272000uL) == "active" && starter.daysUntilExpiry(null) == null) { "status" }
    check(starter.diffJson(pro).contains("scheduled_audits")) { "diff" }

    try {
        ring.verify("garbage", catalog, now)
        check(false) { "garbage verified" }
    } catch (e: LicmanException.InvalidLicense) {
        check(e.code == "wrong_prefix") { "garbage ${e.code}" }
    }
    try {
        Catalog.fromToml("product = ")
        check(false) { "bad catalog accepted" }
    } catch (e: LicmanException.InvalidCatalog) {
        check(e.code == "syntax") { "catalog ${e.code}" }
    }
    listOf(starter, pro, enterprise).forEach { it.destroy() }
    ring.destroy(); routes.destroy(); catalog.destroy()
    println("scenarios: done")
}

/** Runs `block`, expecting a `LicmanException` of type `E`; returns it (null, and a failed check, otherwise). */
inline fun <reified E : LicmanException> refused(what: String, block: () -> Unit): E? {
    try {
        block()
        check(false) { "$what: not refused" }
    } catch (e: LicmanException) {
        check(e is E) { "$what: refused with ${e::class.simpleName}: ${e.message}" }
        if (e is E) return e
    }
    return null
}

fun runRouteOptions(root: File) {
    val text = File(root, "examples/catalogs/netaudit.toml").readText()
    val catalog = Catalog.fromToml(text)
    val fixtures = Json(File(root, "testdata/fixtures/netaudit-licenses.json").readText()).parse().obj()
    val ring = KeyRing(listOf(fixtures["public_key"] as String))
    val now = 1780272000uL
    val enterprise = ring.verify(fixtures["licenses"].obj()["enterprise"] as String, catalog, VerifyOptions(nowUnix = now))

    val exact = RouteTable(catalog)
    check(exact.options() == RouteOptions(PathCase.EXACT, UnmatchedPath.LICENSED)) { "default options ${exact.options()}" }
    check(exact.target("/DEVICES") == "licensed") { "exact case" }
    check(exact.target("/%64evices/7") == "devices") { "unreserved escapes are decoded" }
    for (bad in listOf("/devices#x", "/devices;x=1", "/login/..;/analytics", "/a%2Fb", "/a%20b")) {
        val e = refused<LicmanException.Denied>(bad) { exact.target(bad) }
        check(e == null || (e.code == "invalid_path" && e.httpStatus.toInt() == 400)) { "$bad: ${e?.code}" }
    }
    val folding = RouteTable.withOptions(catalog, PathCase.FOLD_ASCII, UnmatchedPath.DENY)
    check(folding.options() == RouteOptions(PathCase.FOLD_ASCII, UnmatchedPath.DENY)) { "given options ${folding.options()}" }
    check(folding.target("/DEVICES/7") == "devices") { "folded" }
    check(folding.target("/nowhere") == "unlisted") { "unlisted target" }
    val unlisted = refused<LicmanException.Denied>("unlisted path") { folding.authorize("/nowhere", enterprise, null, false, now) }
    check(unlisted == null || (unlisted.code == "unlisted_path" && unlisted.httpStatus.toInt() == 403 &&
        Json(unlisted.body).parse().obj()["action"] == "contact_admin")) { "unlisted ${unlisted?.code} ${unlisted?.body}" }
    check(folding.authorize("/Login", null, null, false, now) == "public") { "public, folded" }
    val onlyDeny = RouteTable.withOptions(catalog, null, UnmatchedPath.DENY)
    check(onlyDeny.options().pathCase == PathCase.EXACT) { "only what is given is replaced" }

    val listed = Catalog.fromToml(text.replace("[routes]\n", "[routes]\ncase = \"fold_ascii\"\nunmatched = \"deny\"\n"))
    check(RouteTable(listed).options() == RouteOptions(PathCase.FOLD_ASCII, UnmatchedPath.DENY)) { "catalog options" }
    check(RouteTable.withOptions(listed, PathCase.EXACT, null).options() == RouteOptions(PathCase.EXACT, UnmatchedPath.DENY)) { "override" }
    val both = Catalog.fromToml(text.replace("\"/login\",", "\"/login\", \"/LOGIN\","))
    val conflict = refused<LicmanException.InvalidCatalog>("folded conflict") { RouteTable.withOptions(both, PathCase.FOLD_ASCII, null) }
    check(conflict == null || conflict.code == "route_conflict") { "conflict ${conflict?.code}" }
    listOf(exact, folding, onlyDeny).forEach { it.destroy() }
    listOf(enterprise).forEach { it.destroy() }
    ring.destroy(); catalog.destroy(); listed.destroy(); both.destroy()
    println("route options: done")
}

fun runClockAndRevocations(root: File) {
    val catalog = Catalog.fromToml(File(root, "examples/catalogs/netaudit.toml").readText())
    val fixtures = Json(File(root, "testdata/fixtures/netaudit-licenses.json").readText()).parse().obj()
    val ring = KeyRing(listOf(fixtures["public_key"] as String))
    val t = 1780272000uL
    val later = t + 86_400uL

    // The last-seen time: a check at a time turned back after a later one is refused.
    val starter = ring.verify(fixtures["licenses"].obj()["starter"] as String, catalog, VerifyOptions(nowUnix = t))
    check(starter.lastSeenUnix() == t) { "last seen at verification ${starter.lastSeenUnix()}" }
    check(starter.checkValid(later) == "active") { "later check" }
    check(starter.lastSeenUnix() == later) { "last seen after a later check ${starter.lastSeenUnix()}" }
    val routes = RouteTable(catalog)
    for ((what, block) in listOf<Pair<String, () -> Unit>>(
        "checkValid" to { starter.checkValid(t); Unit },
        "authorize" to { routes.authorize("/devices", starter, null, false, t); Unit },
    )) {
        val e = refused<LicmanException.Denied>("$what turned back", block)
        check(e == null || (e.code == "clock_error" && e.httpStatus.toInt() == 402 &&
            Json(e.body).parse().obj()["reason"] == "clock_rolled_back")) { "$what: ${e?.code} ${e?.body}" }
    }
    check(starter.lastSeenUnix() == later) { "never moves back" }

    // Revocation lists: serial and issue time, and freshness.
    val notRevoked = Json(File(root, "testdata/vectors/038-not-revoked.json").readText()).parse().obj()["input"].obj()
    val keys = KeyRing(notRevoked["public_keys"].list().map { it as String })
    val list = notRevoked["revocation_list"] as String
    val info = keys.verifyRevocationList(list, "netaudit")
    check(info.serial == 3uL && info.issuedAtUnix == 1777593600uL && info.revokedCount == 2uL && info.keyId == keys.keyIds()[0]) { "list $info" }
    refused<LicmanException.InvalidRevocationList>("another product's list") { keys.verifyRevocationList(list, "netmonitor") }
    val license = notRevoked["license"] as String
    val at = (notRevoked["now"] as Long).toULong()
    fun options(minSerial: ULong = 0uL, maxAge: ULong? = null, policy: Policy? = null) = VerifyOptions(
        product = "netaudit", nowUnix = at, revocations = list, minRevocationSerial = minSerial, maxRevocationAgeSeconds = maxAge, policy = policy)
    check(keys.verify(license, null, options(minSerial = 3uL)).verifiedStatus() == "active") { "serial 3 accepted" }
    check(keys.verify(license, null, options(maxAge = 60uL * 86_400uL)).verifiedStatus() == "active") { "60 days accepted" }
    for (stale in listOf(options(minSerial = 4uL), options(maxAge = 7uL * 86_400uL), options(minSerial = 4uL, policy = Policy.REPORT_ONLY))) {
        val e = refused<LicmanException.InvalidLicense>("stale list $stale") { keys.verify(license, null, stale) }
        check(e == null || (e.code == "stale_revocation_list" && e.httpStatus.toInt() == 402)) { "stale: ${e?.code}" }
    }

    // Policies: advisory checks refuse a revoked license; report_only does not.
    val revoked = Json(File(root, "testdata/vectors/037-revoked.json").readText()).parse().obj()["input"].obj()
    fun verifyRevoked(policy: Policy?, advisory: Boolean = false) = keys.verify(revoked["license"] as String, null, VerifyOptions(
        product = "netaudit", nowUnix = at, revocations = revoked["revocation_list"] as String, policy = policy, advisory = advisory))
    refused<LicmanException.InvalidLicense>("enforce: revoked") { verifyRevoked(Policy.ENFORCE) }
    val advisory = verifyRevoked(Policy.ADVISORY)
    check(advisory.problems() == listOf("revoked")) { "advisory problems ${advisory.problems()}" }
    val e = refused<LicmanException.Denied>("advisory check") { advisory.checkValid(at) }
    check(e == null || e.code == "license_revoked") { "advisory check ${e?.code}" }
    check(verifyRevoked(null, advisory = true).problems() == listOf("revoked")) { "advisory flag" }
    val reportOnly = verifyRevoked(Policy.REPORT_ONLY)
    check(reportOnly.problems() == listOf("revoked") && reportOnly.checkValid(at) == "active") { "report only" }
    val conflicting = refused<LicmanException.InvalidArgument>("advisory with report_only") { verifyRevoked(Policy.REPORT_ONLY, advisory = true) }
    check(conflicting == null || conflicting.code == "conflicting_policy") { "conflicting ${conflicting?.code}" }
    listOf(starter, advisory, reportOnly).forEach { it.destroy() }
    routes.destroy(); keys.destroy(); ring.destroy(); catalog.destroy()
    println("clock and revocations: done")
}

fun main(args: Array<String>) {
    if (args.size == 3 && args[0] == "--hold-seat") {
        // For SeatsTest: hold a seat and exit without closing the lease.
        println(dev.licman.Lease.open(args[1], args[2], "CAD", "forgetful").id)
        return
    }
    val root = File(if (args.isNotEmpty()) args[0] else ".")
    runVectors(root)
    runScenarios(root)
    runRouteOptions(root)
    runClockAndRevocations(root)
    runPerCall(root)
    runSeats(root)
    runMachineFingerprints(root)
    runActivationRequests(root)
    println("$checks checks, $failures failures")
    if (failures > 0) kotlin.system.exitProcess(1)
}

/** The machine fingerprint recipe on the fixed inputs every binding checks. */
fun runMachineFingerprints(root: File) {
    val cases = Json(File(root, "testdata/fixtures/machine-fingerprints.json").readText()).parse().obj()
    for (c in cases["valid"].list().map { it.obj() }) {
        val fp = dev.licman.machineFingerprintOf(c["product"] as String, c["machine_id"] as String)
        check(fp == c["fingerprint"]) { "fingerprint of ${c["about"]}: $fp" }
    }
    for (c in cases["invalid"].list().map { it.obj() }) {
        val e = refused<LicmanException.InvalidArgument>("machine id ${c["machine_id"]}") {
            dev.licman.machineFingerprintOf(c["product"] as String, c["machine_id"] as String)
        }
        check(e == null || e.code == c["error"]) { "code ${e?.code}" }
    }
    try {
        val mine = dev.licman.machineFingerprint("netaudit")
        check(mine == dev.licman.machineFingerprintOf("netaudit", dev.licman.machineId())) { "this machine" }
    } catch (e: LicmanException.InvalidArgument) {
        check(e.code == "no_machine_id") { "no machine id: ${e.code}" }
    }
    println("machine fingerprints: done")
}

/** Activation requests: the fixture's texts both ways, its refusals, its bound answer. */
fun runActivationRequests(root: File) {
    val doc = Json(File(root, "testdata/fixtures/activation-requests.json").readText()).parse().obj()
    for (c in doc["valid"].list().map { it.obj() }) {
        val f = c["fields"].obj()
        val info = ActivationRequestInfo(
            product = f["product"] as String, fingerprint = f["fingerprint"] as String,
            customerId = f["customer_id"] as String?, licenseId = f["license_id"] as String?,
            nonce = f["nonce"] as String, createdAt = (f["created_at"] as Long).toULong(),
        )
        val request = ActivationRequest.fromInfo(info)
        check(request.toText() == c["text"]) { "text of ${c["about"]}: ${request.toText()}" }
        check(request.toArmored() == c["armored"]) { "armored of ${c["about"]}" }
        for (text in listOf(c["text"] as String, c["armored"] as String)) {
            val again = ActivationRequest.parse(text)
            check(again.info() == info) { "fields of ${c["about"]}: ${again.info()}" }
            check(again.createdAt == java.time.Instant.ofEpochSecond(f["created_at"] as Long)) { "createdAt" }
        }
    }
    for (c in doc["invalid"].list().map { it.obj() }) {
        val e = refused<LicmanException.InvalidActivationRequest>("request: ${c["about"]}") {
            ActivationRequest.parse(c["text"] as String)
        }
        check(e == null || e.code == c["error"]) { "${c["about"]}: code ${e?.code}" }
    }
    val answer = doc["answer"].obj()
    val ring = KeyRing(listOf(answer["public_key"] as String))
    val catalog = Catalog.fromToml(File(root, "examples/catalogs/netaudit.toml").readText())
    val now = (answer["now"] as Long).toULong()
    val bound = ring.verify(answer["license"] as String, catalog,
        VerifyOptions(nowUnix = now, fingerprints = listOf(doc["fingerprint"] as String)))
    val valid = doc["valid"].list().map { it.obj() }
    check(ActivationRequest.parse(valid[0]["text"] as String).isAnsweredBy(bound)) { "answers its request" }
    check(!ActivationRequest.parse(valid[1]["text"] as String).isAnsweredBy(bound)) { "not another request" }
    val e = refused<LicmanException.InvalidLicense>("another machine") {
        ring.verify(answer["license"] as String, catalog,
            VerifyOptions(nowUnix = now, fingerprints = listOf(answer["other_fingerprint"] as String)))
    }
    check(e == null || e.code == answer["error_on_other_machine"]) { "other machine: ${e?.code}" }
    try {
        val mine = activationRequestAt("netaudit", customerId = "acme-corp", now = java.time.Instant.ofEpochSecond(1780272000))
        check(mine.info().fingerprint == dev.licman.machineFingerprint("netaudit")) { "this machine's request" }
        check(mine.createdAt == java.time.Instant.ofEpochSecond(1780272000)) { "its time" }
        check(activationRequest("netaudit").info().nonce != mine.info().nonce) { "fresh nonces" }
    } catch (e: LicmanException.InvalidArgument) {
        check(e.code == "no_machine_id") { "no machine id: ${e.code}" }
    }
    println("activation requests: done")
}
