// dev.licman.Lease against a real `licman-seats serve` started here on
// 127.0.0.1. The server binary is $LICMAN_SEATS_BIN (CI builds it); without
// it this part is skipped. Run from LicmanTest.kt's main.

import dev.licman.CapacityExceeded
import dev.licman.Lease
import dev.licman.LeaseLost
import dev.licman.LeaseStatus
import dev.licman.SeatException
import dev.licman.SeatServerUnreachable
import java.io.File
import java.net.InetAddress
import java.net.ServerSocket
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.nio.file.Files
import java.security.MessageDigest
import java.security.SecureRandom
import java.time.Duration
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.TimeUnit

private fun newToken(): Pair<String, String> {
    val bytes = ByteArray(32).also { SecureRandom().nextBytes(it) }
    val token = "lmst1_" + bytes.joinToString("") { "%02x".format(it) }
    val hash = MessageDigest.getInstance("SHA-256").digest(token.toByteArray()).joinToString("") { "%02x".format(it) }
    return token to hash
}

private inline fun <reified E : SeatException> seatRefused(what: String, block: () -> Unit): E? {
    try {
        block()
        check(false) { "$what: not refused" }
    } catch (e: SeatException) {
        check(e is E) { "$what: refused with ${e::class.simpleName}: ${e.message}" }
        if (e is E) return e
    }
    return null
}

fun runSeats(root: File) {
    val binary = System.getenv("LICMAN_SEATS_BIN")
    if (binary.isNullOrEmpty()) {
        println("seats: skipped (LICMAN_SEATS_BIN is not set)")
        return
    }
    val dir = Files.createTempDirectory("licman-seats-kt").toFile()
    val db = File(dir, "seats.db").path
    val create = ProcessBuilder(binary, "--db", db, "pool", "create", "--name", "CAD", "--vendor", "Autodesk",
        "--capacity", "2", "--type", "concurrent", "--ttl", "1m").redirectErrorStream(true).start()
    create.inputStream.readAllBytes()
    check(create.waitFor() == 0) { "pool create" }
    val (admin, adminHash) = newToken()
    val (instance, instanceHash) = newToken()
    val tokens = File(dir, "tokens.toml")
    tokens.writeText("[[token]]\nname = \"ops\"\nrole = \"admin\"\nsha256 = \"$adminHash\"\n\n" +
        "[[token]]\nname = \"cad-hosts\"\nrole = \"instance\"\nsha256 = \"$instanceHash\"\npools = [\"CAD\"]\n")
    val server = ProcessBuilder(binary, "--db", db, "serve", "--listen", "127.0.0.1:0", "--tokens", tokens.path)
        .redirectError(ProcessBuilder.Redirect.INHERIT).also { it.environment()["LICMAN_SEATS_LOG"] = "warn" }.start()
    try {
        val line = server.inputStream.bufferedReader().readLine() ?: ""
        check(line.startsWith("listening on ")) { "the server said $line" }
        val url = line.removePrefix("listening on ").trim()
        val http = HttpClient.newHttpClient()
        fun adminPost(path: String) = http.send(HttpRequest.newBuilder(URI("$url/api/v1$path"))
            .header("Authorization", "Bearer $admin").header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString())
        fun status(id: String): String? {
            val page = http.send(HttpRequest.newBuilder(URI("$url/api/v1/leases?limit=1000"))
                .header("Authorization", "Bearer $admin").GET().build(), HttpResponse.BodyHandlers.ofString()).body()
            val items = Json(page).parse().obj()["items"].list()
            return items.map { it.obj() }.firstOrNull { it["id"] == id }?.get("status") as String?
        }

        // Two seats; the third is refused with the pool's numbers; use {} gives a seat back.
        val first = Lease.open(url, instance, "CAD", "ws-1")
        check(first.info.holdsSeat && first.info.poolName == "CAD" && first.info.status == LeaseStatus.ACTIVE) { "first ${first.info}" }
        val secondId = Lease.open(url, instance, "CAD", "ws-2").use { second ->
            val full = seatRefused<CapacityExceeded>("a third seat") { Lease.open(url, instance, "CAD", "ws-3") }
            check(full == null || (full.capacity == 2L && full.allocated == 2L && full.httpStatus == 409)) { "full: ${full?.details}" }
            second.id
        }
        check(status(secondId) == "released") { "use {} released the seat" }
        Lease.open(url, instance, "CAD", "ws-3").close()
        first.close()
        first.close()
        check(status(first.id) == "released") { "close released the seat" }

        // Heartbeats extend the lease (the server's times have whole seconds).
        Lease.open(url, instance, "CAD", "ws-beat", heartbeatEvery = Duration.ofMillis(300)).use { lease ->
            val before = lease.info.expiresAt
            Thread.sleep(1300)
            check(lease.heartbeats >= 3 && lease.info.expiresAt.isAfter(before)) { "heartbeats ${lease.heartbeats}" }
            lease.check()
        }

        // A lease taken back is lost, reported once, and not released again.
        val lost = CopyOnWriteArrayList<LeaseLost>()
        Lease.open(url, instance, "CAD", "ws-lost", heartbeatEvery = Duration.ofMillis(200), onLost = { lost.add(it) }).use { lease ->
            check(adminPost("/leases/${lease.id}/release").statusCode() == 200) { "operator release" }
            val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10)
            while (lost.isEmpty() && System.nanoTime() < deadline) Thread.sleep(50)
            check(lost.size == 1 && lost[0].code == "lease_not_out") { "lost: $lost" }
            check(lost[0].message?.split("(lease_not_out)")?.size == 2) { "the code once in: ${lost[0].message}" }
            check(runCatching { lease.check() }.exceptionOrNull() is LeaseLost) { "check() throws" }
        }

        // A server that hangs (SIGSTOP) cannot keep a lease looking held past
        // its time: lost within a second or two of the pool's 60 s TTL, not
        // when the 30 s HTTP timeout of a heartbeat sent at 20 s runs out.
        val hung = CopyOnWriteArrayList<LeaseLost>()
        val opened = System.nanoTime()
        Lease.open(url, instance, "CAD", "ws-hang", onLost = { hung.add(it) }).use { lease ->
            val pid = server.pid().toString()
            check(ProcessBuilder("kill", "-STOP", pid).start().waitFor() == 0) { "SIGSTOP" }
            try {
                lease.check() // held now
                val deadline = opened + TimeUnit.SECONDS.toNanos(75)
                while (hung.isEmpty() && System.nanoTime() < deadline) Thread.sleep(100)
                val after = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - opened)
                check(hung.size == 1 && hung[0].code == "lease_expired") { "a hung server: $hung after $after ms" }
                check(after in 59_000..63_000) { "lost $after ms after checkout (the TTL is 60 s)" }
                check(runCatching { lease.check() }.exceptionOrNull() is LeaseLost) { "check() throws" }
            } finally {
                ProcessBuilder("kill", "-CONT", pid).start().waitFor()
            }
        }

        // A JVM that exits without closing gives its seat back (its shutdown hook).
        val java = File(System.getProperty("java.home"), "bin/java").path
        val child = ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "LicmanTestKt", "--hold-seat", url, instance)
            .redirectError(ProcessBuilder.Redirect.INHERIT).start()
        val heldId = child.inputStream.bufferedReader().readLine() ?: ""
        check(child.waitFor(60, TimeUnit.SECONDS) && child.exitValue() == 0) { "the child JVM" }
        check(status(heldId) == "released") { "a JVM that exits gives its seat back: ${status(heldId)}" }

        // Errors name their cause.
        val unauthorized = seatRefused<SeatException>("a bad token") { Lease.open(url, "lmst1_" + "0".repeat(64), "CAD", "x") }
        check(unauthorized == null || (unauthorized.code == "unauthorized" && unauthorized.httpStatus == 401)) { "401: ${unauthorized?.code}" }
        val closedPort = ServerSocket(0, 1, InetAddress.getLoopbackAddress()).use { it.localPort }
        seatRefused<SeatServerUnreachable>("a closed port") { Lease.open("http://127.0.0.1:$closedPort", instance, "CAD", "x") }
        for (bad in listOf<() -> Unit>({ Lease.open("ftp://host", instance, "CAD", "x") }, { Lease.open(url, "", "CAD", "x") },
            { Lease.open(url, instance, "CAD", "") })) {
            check(runCatching { bad() }.exceptionOrNull() is IllegalArgumentException) { "a bad argument is refused" }
        }
        println("seats: done")
    } finally {
        server.destroy()
        server.waitFor(30, TimeUnit.SECONDS)
        dir.deleteRecursively()
    }
}
