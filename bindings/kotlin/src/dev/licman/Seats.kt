// Floating seats from a `licman-seats serve`: a lease held while a product
// runs. It speaks the server's REST API with java.net.http and converts
// its JSON to Kotlin types, nothing more.
@file:JvmName("Seats")

package dev.licman

import java.net.URI
import java.net.URLEncoder
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.time.Duration
import java.time.Instant
import java.time.format.DateTimeParseException
import java.util.concurrent.ExecutionException
import java.util.concurrent.Executors
import java.util.concurrent.ScheduledExecutorService
import java.util.concurrent.ScheduledFuture
import java.util.concurrent.TimeUnit
import java.util.concurrent.TimeoutException

/** The seat server refused: its error `code`, `message`, HTTP status and the error's other fields. */
open class SeatException(
    val code: String,
    message: String,
    val httpStatus: Int,
    val details: Map<String, Any?> = emptyMap(),
) : Exception("$message ($code)") {
    /** What happened, without the code (the exception's message ends with it). */
    val description: String = message
}

/** Every seat of the pool is out ([capacity] and [allocated] say how many). */
class CapacityExceeded(code: String, message: String, httpStatus: Int, details: Map<String, Any?>) :
    SeatException(code, message, httpStatus, details) {
    val capacity: Long? get() = details["capacity"] as? Long
    val allocated: Long? get() = details["allocated"] as? Long
}

/** The lease no longer holds a seat: taken back, culled, or run out. */
class LeaseLost(code: String, message: String, httpStatus: Int, details: Map<String, Any?> = emptyMap()) :
    SeatException(code, message, httpStatus, details)

/** The seat server did not answer (refused, timed out, not JSON). */
class SeatServerUnreachable(code: String, message: String) : SeatException(code, message, 0)

/** A lease's status as of when the server answered. */
enum class LeaseStatus { ACTIVE, EXPIRED, RELEASED, ENDED }

/** A lease as the server showed it last. */
data class LeaseInfo(
    val id: String,
    val poolId: String,
    val poolName: String?,
    val holder: String,
    val status: LeaseStatus,
    val checkedOutAt: Instant,
    val expiresAt: Instant,
    val releasedAt: Instant?,
    val borrowed: Boolean,
    val overage: Boolean,
    val holdsSeat: Boolean,
) {
    internal companion object {
        fun of(body: Map<String, Any?>): LeaseInfo = try {
            fun text(name: String) = body[name] as? String ?: throw IllegalArgumentException("no $name")
            fun time(name: String) = (body[name] as? String)?.let(Instant::parse)
            LeaseInfo(
                id = text("id"),
                poolId = text("pool_id"),
                poolName = body["pool_name"] as? String,
                holder = text("holder"),
                status = LeaseStatus.valueOf(text("status").uppercase()),
                checkedOutAt = time("checked_out_at") ?: throw IllegalArgumentException("no checked_out_at"),
                expiresAt = time("expires_at") ?: throw IllegalArgumentException("no expires_at"),
                releasedAt = time("released_at"),
                borrowed = body["borrowed"] == true,
                overage = body["overage"] == true,
                holdsSeat = body["holds_seat"] == true,
            )
        } catch (e: IllegalArgumentException) {
            throw SeatServerUnreachable("bad_response", "the server's lease is not a lease: ${e.message}")
        } catch (e: DateTimeParseException) {
            throw SeatServerUnreachable("bad_response", "the server's lease is not a lease: ${e.message}")
        }
    }
}

private val LOST = setOf("unknown_lease", "lease_not_out")

private class SeatApi(server: String, private val token: String, private val timeout: Duration) {
    private val base: String
    private val client: HttpClient = HttpClient.newBuilder().connectTimeout(timeout).build()

    init {
        val uri = try { URI(server) } catch (e: Exception) { throw IllegalArgumentException("the seat server must be an http(s) URL, not \"$server\"") }
        require(uri.scheme == "http" || uri.scheme == "https") { "the seat server must be an http(s) URL, not \"$server\"" }
        require(!uri.host.isNullOrEmpty()) { "the seat server must be an http(s) URL, not \"$server\"" }
        require(token.isNotEmpty()) { "a seat server token is needed (an instance token of the pool)" }
        base = server.trimEnd('/') + "/api/v1"
    }

    /** POSTs [body]; [within] bounds the wait below the client's timeout. */
    fun post(path: String, body: String = "{}", within: Duration? = null): Map<String, Any?> {
        val wait = if (within != null && within < timeout) within else timeout
        val request = HttpRequest.newBuilder(URI(base + path))
            .timeout(wait)
            .header("Authorization", "Bearer $token")
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .header("User-Agent", "licman-kotlin/${VERSION}")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build()
        // The whole exchange, body included, within `wait` (a request's own
        // timeout covers only the wait for the response's headers).
        val pending = client.sendAsync(request, HttpResponse.BodyHandlers.ofString())
        val response = try {
            pending.get(wait.toNanos(), TimeUnit.NANOSECONDS)
        } catch (e: TimeoutException) {
            pending.cancel(true)
            throw SeatServerUnreachable("timeout", "the seat server did not answer within $wait")
        } catch (e: ExecutionException) {
            throw SeatServerUnreachable("unreachable", "the seat server does not answer: ${e.cause ?: e}")
        } catch (e: InterruptedException) {
            pending.cancel(true)
            Thread.currentThread().interrupt()
            throw SeatServerUnreachable("interrupted", "interrupted while waiting for the seat server")
        }
        val answer = try { JsonReader(response.body()).read() } catch (e: IllegalArgumentException) { null }
        if (response.statusCode() !in 200..299) {
            @Suppress("UNCHECKED_CAST")
            val error = ((answer as? Map<String, Any?>)?.get("error") as? Map<String, Any?>) ?: emptyMap()
            val code = error["code"] as? String ?: "http_${response.statusCode()}"
            val message = error["message"] as? String ?: "HTTP ${response.statusCode()}"
            val details = error - "code" - "message"
            throw if (code == "capacity_exceeded") CapacityExceeded(code, message, response.statusCode(), details)
            else SeatException(code, message, response.statusCode(), details)
        }
        @Suppress("UNCHECKED_CAST")
        return answer as? Map<String, Any?> ?: throw SeatServerUnreachable("bad_response", "the seat server's answer is not a JSON object")
    }

    companion object {
        const val VERSION = "0.1.0"
    }
}

/**
 * A floating seat of a concurrent pool, held while the product runs:
 * checked out by [open], heartbeated on a daemon thread at a third of the
 * time it has left (or every [heartbeatEvery]), released by [close] (use
 * `use { }`) or at JVM shutdown. If a heartbeat is answered with
 * `unknown_lease` or `lease_not_out`, or the lease runs out before a
 * heartbeat gets through, the lease is lost: `onLost` is called once and
 * [check] throws the [LeaseLost]. A busy or unreachable server is tried
 * again at the next beat.
 */
class Lease private constructor(
    private val api: SeatApi,
    /** The pool (id or name). */
    val pool: String,
    /** This instance's id. */
    val holder: String,
    private val heartbeatEvery: Duration?,
    private val onLost: ((LeaseLost) -> Unit)?,
    first: LeaseInfo,
) : AutoCloseable {
    /** The lease as the server showed it last. */
    @Volatile var info: LeaseInfo = first
        private set

    /** Why the lease was lost, or null while it holds its seat. */
    @Volatile var lost: LeaseLost? = null
        private set

    /** Heartbeats that got through. */
    @Volatile var heartbeats: Int = 0
        private set

    /** The lease's id. */
    val id: String get() = info.id

    private val lock = Any()
    @Volatile private var closed = false

    // From the server's own times: no local clock is compared with the server's.
    private val ttl: Duration = Duration.between(first.checkedOutAt, first.expiresAt).let { if (it.seconds < 1) Duration.ofSeconds(1) else it }
    @Volatile private var heldUntil: Long = System.nanoTime() + ttl.toNanos()
    private val timer: ScheduledExecutorService = Executors.newSingleThreadScheduledExecutor { runnable ->
        Thread(runnable, "licman-lease-${first.id}").apply { isDaemon = true }
    }
    private var next: ScheduledFuture<*>? = null
    private val shutdownHook = Thread({ runCatching { close() } }, "licman-lease-release-${first.id}")

    init {
        Runtime.getRuntime().addShutdownHook(shutdownHook)
        schedule()
    }

    /**
     * Throws [LeaseLost] if the seat is no longer held: lost at a heartbeat,
     * or run out (the time it was held until has passed, by this process's
     * monotonic clock, with no heartbeat through since).
     */
    fun check() {
        lost?.let { throw it }
        if (!closed && System.nanoTime() - heldUntil >= 0) {
            lose(LeaseLost("lease_expired", "the lease ran out before a heartbeat got through", 0))
        }
        lost?.let { throw it }
    }

    /**
     * Sends one heartbeat now (the daemon thread does this by itself). It
     * waits at most until the lease runs out (one second at least), so a
     * server that hangs cannot keep a lost lease looking held.
     */
    fun heartbeat(): LeaseInfo {
        val sent = System.nanoTime()
        val left = Duration.ofNanos(maxOf(heldUntil - sent, 1_000_000_000L))
        val answer = try {
            LeaseInfo.of(api.post("/leases/${segment(id)}/heartbeat", within = left))
        } catch (e: SeatException) {
            if (e.code in LOST) lose(LeaseLost(e.code, "the seat was lost: ${e.description}", e.httpStatus, e.details))
            throw e
        }
        if (!closed) { // a heartbeat answered after close() changes nothing
            info = answer
            heldUntil = sent + ttl.toNanos()
        }
        heartbeats++
        return answer
    }

    private fun schedule() {
        synchronized(lock) {
            if (closed || lost != null) return
            val regular = heartbeatEvery?.toMillis() ?: maxOf(1000L, ttl.toMillis() / 3)
            // Never later than just after the lease runs out, so a lease
            // whose heartbeats do not get through is found lost on time.
            val untilOut = TimeUnit.NANOSECONDS.toMillis(maxOf(heldUntil - System.nanoTime(), 0L)) + 50
            next = timer.schedule({ beat() }, minOf(regular, untilOut), TimeUnit.MILLISECONDS)
        }
    }

    private fun beat() {
        try {
            heartbeat()
        } catch (e: Exception) { // a refusal, or anything unexpected: never end the heartbeats silently
            if (lost != null || closed) return
            if (System.nanoTime() - heldUntil >= 0) {
                lose(LeaseLost("lease_expired", "the lease ran out before a heartbeat got through: ${e.message}", 0))
                return
            }
            // A busy or unreachable server: try again at the next beat.
        }
        schedule()
    }

    private fun lose(why: LeaseLost) {
        synchronized(lock) {
            if (lost != null || closed) return
            lost = why
        }
        onLost?.invoke(why)
    }

    /**
     * Stops the heartbeats and gives the seat back (once; a lost lease is
     * not released). A release the server does not answer leaves the seat
     * to run out with its TTL.
     */
    override fun close() {
        synchronized(lock) {
            if (closed) return
            closed = true
            next?.cancel(false)
        }
        timer.shutdown()
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook)
        } catch (_: IllegalStateException) {
            // the JVM is shutting down: this is the hook running
        }
        // A lease the server took back is not released; one found run out
        // here may still hold its seat there (a heartbeat in flight, a server
        // that hung and came back): it is.
        val runOut = lost?.code == "lease_expired"
        if (lost != null && !runOut) return
        try {
            // Not long for a lease found run out: its server may be the one hanging.
            info = LeaseInfo.of(api.post("/leases/${segment(id)}/release", within = if (runOut) Duration.ofSeconds(2) else null))
        } catch (_: SeatServerUnreachable) {
            // unanswered: the seat frees itself when its TTL passes
        } catch (e: SeatException) {
            if (e.code !in LOST) throw e
        }
    }

    companion object {
        /**
         * Checks out a seat of [pool] for [holder]; throws [CapacityExceeded]
         * when every seat is out.
         */
        @JvmStatic
        @JvmOverloads
        @Throws(SeatException::class)
        fun open(
            server: String,
            token: String,
            pool: String,
            holder: String,
            ttlSeconds: Int? = null,
            heartbeatEvery: Duration? = null,
            onLost: ((LeaseLost) -> Unit)? = null,
            timeout: Duration = Duration.ofSeconds(30),
        ): Lease {
            require(pool.isNotEmpty() && holder.isNotEmpty()) { "a lease needs a pool and a holder" }
            require(heartbeatEvery == null || !heartbeatEvery.isNegative && !heartbeatEvery.isZero) { "heartbeatEvery must be positive" }
            val api = SeatApi(server, token, timeout)
            val body = buildString {
                append("{\"pool\":").append(JsonReader.quote(pool)).append(",\"holder\":").append(JsonReader.quote(holder))
                if (ttlSeconds != null) append(",\"ttl_seconds\":").append(ttlSeconds)
                append('}')
            }
            return Lease(api, pool, holder, heartbeatEvery, onLost, LeaseInfo.of(api.post("/leases", body)))
        }

        private fun segment(id: String): String = URLEncoder.encode(id, Charsets.UTF_8).replace("+", "%20")
    }
}

/** A small JSON reader and string quoter for the seat server's answers. */
internal class JsonReader(private val text: String) {
    private var i = 0
    private var depth = 0

    fun read(): Any? {
        val value = value()
        space()
        require(i == text.length) { "trailing characters at $i" }
        return value
    }

    private fun space() { while (i < text.length && text[i].isWhitespace()) i++ }

    private fun peek(): Char { require(i < text.length) { "unexpected end" }; return text[i] }

    private fun value(): Any? {
        space()
        return when (val c = peek()) {
            '{' -> nested { obj() }
            '[' -> nested { arr() }
            '"' -> str()
            't' -> word("true", true)
            'f' -> word("false", false)
            'n' -> word("null", null)
            else -> if (c == '-' || c.isDigit()) num() else throw IllegalArgumentException("unexpected '$c' at $i")
        }
    }

    private inline fun <T> nested(read: () -> T): T {
        require(++depth <= 32) { "nested deeper than 32 at $i" }
        return read().also { depth-- }
    }

    private fun word(w: String, v: Any?): Any? {
        require(text.startsWith(w, i)) { "bad literal at $i" }
        i += w.length
        return v
    }

    private fun obj(): Map<String, Any?> {
        val out = LinkedHashMap<String, Any?>()
        i++
        space()
        if (peek() == '}') { i++; return out }
        while (true) {
            space()
            val key = str()
            space()
            require(peek() == ':') { "expected ':' at $i" }
            i++
            out[key] = value()
            space()
            when (peek()) {
                ',' -> i++
                '}' -> { i++; return out }
                else -> throw IllegalArgumentException("expected ',' or '}' at $i")
            }
        }
    }

    private fun arr(): List<Any?> {
        val out = ArrayList<Any?>()
        i++
        space()
        if (peek() == ']') { i++; return out }
        while (true) {
            out.add(value())
            space()
            when (peek()) {
                ',' -> i++
                ']' -> { i++; return out }
                else -> throw IllegalArgumentException("expected ',' or ']' at $i")
            }
        }
    }

    private fun str(): String {
        require(peek() == '"') { "expected a string at $i" }
        i++
        val out = StringBuilder()
        while (true) {
            val c = peek()
            i++
            when (c) {
                '"' -> return out.toString()
                '\\' -> {
                    val e = peek()
                    i++
                    when (e) {
                        '"', '\\', '/' -> out.append(e)
                        'b' -> out.append('\b')
                        'f' -> out.append('\u000c')
                        'n' -> out.append('\n')
                        'r' -> out.append('\r')
                        't' -> out.append('\t')
                        'u' -> {
                            require(i + 4 <= text.length) { "bad escape at $i" }
                            val hex = text.substring(i, i + 4)
                            require(hex.all { it in '0'..'9' || it in 'a'..'f' || it in 'A'..'F' }) { "bad escape at $i" }
                            out.append(hex.toInt(16).toChar())
                            i += 4
                        }
                        else -> throw IllegalArgumentException("bad escape at $i")
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
        return s.toLongOrNull() ?: s.toDoubleOrNull() ?: throw IllegalArgumentException("bad number at $start")
    }

    companion object {
        fun quote(s: String): String = buildString {
            append('"')
            for (c in s) when {
                c == '"' -> append("\\\"")
                c == '\\' -> append("\\\\")
                c < ' ' -> append(String.format("\\u%04x", c.code))
                else -> append(c)
            }
            append('"')
        }
    }
}
