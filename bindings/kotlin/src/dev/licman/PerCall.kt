// The per-call path of the Kotlin binding: the checks a service makes on
// every request (hasModule, hasModuleId, checkQuota, authorize), over the
// C ABI's allocation-free functions with JNA direct mapping, on the same
// objects the generated uniffi API made. It converts types and nothing
// more: every decision is the core's.
//
// Why: a uniffi call makes two JNA calls (clone the handle, call) and
// builds a JNA Structure for each call status; that costs tens of
// microseconds on this JVM. A direct-mapped call with primitive arguments
// and byte arrays costs tens of nanoseconds.
@file:JvmName("Licman")

package dev.licman

import com.sun.jna.Native
import com.sun.jna.Pointer
import java.lang.ref.Cleaner
import java.nio.CharBuffer
import java.nio.charset.CharacterCodingException
import java.nio.charset.CodingErrorAction
import java.time.Instant
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicLong

/** The C ABI functions the per-call path uses (JNA direct mapping). */
internal object CAbi {
    init {
        val name = System.getProperty("uniffi.component.licman.libraryOverride") ?: "licman_ffi"
        Native.register(CAbi::class.java, name)
    }

    const val CHECK_USER = 1
    const val SUPERUSER = 2
    const val TARGET_PUBLIC = 0
    const val TARGET_LICENSED = 1
    const val TARGET_UNLISTED = 2
    const val TARGET_MODULE = 256

    @JvmStatic external fun licman_license_has_module_id(license: Long, id: Int): Int
    @JvmStatic external fun licman_license_has_module_utf8(license: Long, name: ByteArray, len: Long, error: LongArray?): Int
    @JvmStatic external fun licman_license_check_quota_utf8(
        license: Long, quota: ByteArray, len: Long, current: Long, requested: Long, error: LongArray?,
    ): Int
    @JvmStatic external fun licman_route_table_authorize_code(
        routes: Long, path: ByteArray, pathLen: Long, license: Long, flags: Int,
        groups: ByteArray?, groupsLen: Long, nowUnix: Long, error: LongArray?,
    ): Int
    @JvmStatic external fun licman_license_free(license: Long)
    @JvmStatic external fun licman_route_table_free(routes: Long)
    @JvmStatic external fun licman_error_free(error: Long)

    /** The error a failed call left in `slot[0]`, as the exception the generated API throws for it. */
    fun takeError(slot: LongArray): LicmanException {
        val address = slot[0]
        if (address == 0L) return LicmanException.InvalidArgument("internal", "the call failed without an error")
        try {
            val error = Pointer(address)
            fun text(offset: Long): String = error.getPointer(offset)?.getString(0, "UTF-8") ?: ""
            val kind = text(0)
            val code = text(8)
            val description = text(16)
            val status = (error.getShort(24).toInt() and 0xffff).toUShort()
            val body = text(32)
            val name = text(40)
            return when (kind) {
                "invalid_license" -> LicmanException.InvalidLicense(code, description, status, body)
                "denied" -> LicmanException.Denied(code, description, status, body)
                "unknown_name" -> LicmanException.UnknownName(code, description, code.removePrefix("unknown_"), name)
                "invalid_catalog" -> LicmanException.InvalidCatalog(code, description)
                "invalid_public_key" -> LicmanException.InvalidPublicKey(code, description)
                "invalid_revocation_list" -> LicmanException.InvalidRevocationList(code, description)
                "invalid_activation_request" -> LicmanException.InvalidActivationRequest(code, description)
                else -> LicmanException.InvalidArgument(code, description)
            }
        } finally {
            licman_error_free(address)
        }
    }
}

/**
 * UTF-8 bytes of the module and quota names a service checks, encoded once
 * per name (at most 1024 names of up to 64 characters are kept, so names
 * from requests cannot grow it without bound).
 */
private object Utf8 {
    private val cache = ConcurrentHashMap<String, ByteArray>()

    fun of(text: String, what: String): ByteArray {
        cache[text]?.let { return it }
        val bytes = utf8(text, what)
        if (text.length <= 64 && cache.size < 1024) cache.putIfAbsent(text, bytes)
        return bytes
    }
}

/**
 * The UTF-8 bytes of [text], or the C ABI's refusal of text that is not
 * Unicode (`InvalidArgument`, `invalid_encoding`): a string holding an
 * unpaired surrogate has no UTF-8 form. (`String.toByteArray` would write
 * `?` in its place, and a `?` in a path starts its query: the rest of the
 * path, `..` segments and all, would go unchecked.)
 */
internal fun utf8(text: String, what: String): ByteArray {
    for (i in text.indices) {
        if (Character.isSurrogate(text[i])) return strictUtf8(text, what)
    }
    return text.toByteArray(Charsets.UTF_8)
}

private fun strictUtf8(text: String, what: String): ByteArray = try {
    val buffer = Charsets.UTF_8.newEncoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT)
        .encode(CharBuffer.wrap(text))
    ByteArray(buffer.remaining()).also { buffer.get(it) }
} catch (e: CharacterCodingException) {
    val at = text.indices.firstOrNull { i ->
        val c = text[i]
        (Character.isHighSurrogate(c) && (i + 1 >= text.length || !Character.isLowSurrogate(text[i + 1]))) ||
            (Character.isLowSurrogate(c) && (i == 0 || !Character.isHighSurrogate(text[i - 1])))
    }
    throw LicmanException.InvalidArgument(
        "invalid_encoding",
        "$what is not Unicode text (an unpaired surrogate at index ${at ?: 0})",
    )
}

private val cleaner: Cleaner = Cleaner.create()

/**
 * A C ABI handle shared by calls on many threads: [acquire] before a call,
 * [release] after. [close] frees it once no call is running; one never
 * closed is freed when it becomes unreachable.
 */
internal class NativeHandle(handle: Long, free: (Long) -> Unit, private val what: String) : AutoCloseable {
    private val handle = AtomicLong(handle)
    private val calls = AtomicLong(1) // 1 while open, +1 per running call
    private val closed = AtomicBoolean(false)
    private val cleanable = cleaner.register(this, Free(this.handle, free))

    // Does not capture the NativeHandle, or it would never be unreachable.
    private class Free(val handle: AtomicLong, val free: (Long) -> Unit) : Runnable {
        override fun run() {
            val h = handle.getAndSet(0L)
            if (h != 0L) free(h)
        }
    }

    fun acquire(): Long {
        while (true) {
            // Closed means closed, even while another call is still running.
            check(!closed.get()) { "$what is closed" }
            val c = calls.get()
            check(c != 0L) { "$what is closed" }
            if (calls.compareAndSet(c, c + 1)) return handle.get()
        }
    }

    fun release() {
        if (calls.decrementAndGet() == 0L) cleanable.clean()
    }

    override fun close() {
        if (closed.compareAndSet(false, true)) release()
    }
}

/**
 * The per-request checks of one [License], at native speed. Take it once
 * per license (`license.checks()`), share it between threads, and close it
 * when the license is replaced.
 */
class LicenseChecks internal constructor(
    /** The license these checks read. */
    val license: License,
) : AutoCloseable {
    internal val handle = NativeHandle(license.cAbiHandle().toLong(), CAbi::licman_license_free, "LicenseChecks")

    /** Whether a module (by name or alias) is licensed; `UnknownName` for a name the catalog lacks. */
    @Throws(LicmanException::class)
    fun hasModule(name: String): Boolean {
        val bytes = Utf8.of(name, "the module name")
        val h = handle.acquire()
        try {
            val answer = CAbi.licman_license_has_module_utf8(h, bytes, bytes.size.toLong(), null)
            if (answer >= 0) return answer == 1
            // Failed: ask again for the error (a pure call).
            val slot = LongArray(1)
            val again = CAbi.licman_license_has_module_utf8(h, bytes, bytes.size.toLong(), slot)
            if (again >= 0) return again == 1
            throw CAbi.takeError(slot)
        } finally {
            handle.release()
        }
    }

    /** Whether the module with this id is licensed (no string crosses). */
    fun hasModuleId(id: Int): Boolean {
        val h = handle.acquire()
        try {
            return CAbi.licman_license_has_module_id(h, id) == 1
        } finally {
            handle.release()
        }
    }

    /** Returns if [requested] more fit after [current]; throws `Denied` (`quota_exceeded`, 403) otherwise. */
    @JvmOverloads
    @Throws(LicmanException::class)
    fun checkQuota(quota: String, current: Long, requested: Long = 1) {
        require(current >= 0 && requested >= 0) { "current and requested must not be negative" }
        val bytes = Utf8.of(quota, "the quota name")
        val h = handle.acquire()
        try {
            if (CAbi.licman_license_check_quota_utf8(h, bytes, bytes.size.toLong(), current, requested, null) == 0) return
            val slot = LongArray(1)
            if (CAbi.licman_license_check_quota_utf8(h, bytes, bytes.size.toLong(), current, requested, slot) == 0) return
            throw CAbi.takeError(slot)
        } finally {
            handle.release()
        }
    }

    /** Frees the native reference once no call is running; later calls throw `IllegalStateException`. */
    override fun close() = handle.close()
}

/** The per-request checks of [this] license. */
fun License.checks(): LicenseChecks = LicenseChecks(this)

/**
 * The signed-in user, for [RouteGate.authorize]: their groups, and whether
 * they are a superuser (every licensed module). Make it once per session.
 */
class User @JvmOverloads @Throws(LicmanException::class) constructor(groups: Collection<String>, val superuser: Boolean = false) {
    /** The user's groups. */
    val groups: List<String> = groups.toList()

    init {
        // The names cross as one buffer of NUL-terminated names: a NUL inside one would split it.
        require(this.groups.none { '\u0000' in it }) { "a group name may not contain NUL" }
    }

    internal val encoded: ByteArray = utf8(buildString { for (g in this@User.groups) append(g).append('\u0000') }, "a group name")

    override fun toString(): String = "User(groups=$groups, superuser=$superuser)"
}

/**
 * The gateway decision per request, at native speed: what a path needs
 * (`public`, `licensed` or a module's name), or the refusal. Take it once
 * per route table (`routes.gate()`), share it between threads.
 */
class RouteGate internal constructor(
    /** The route table this gate decides with. */
    val routes: RouteTable,
) : AutoCloseable {
    private val handle = NativeHandle(routes.cAbiHandle().toLong(), CAbi::licman_route_table_free, "RouteGate")

    // Module id → name, from the table's own catalog (a conversion table).
    private val moduleNames: Array<String?> = arrayOfNulls<String>(256).also { names ->
        routes.catalog().use { catalog ->
            for (name in catalog.moduleNames()) names[catalog.moduleId(name).toInt()] = name
        }
    }

    /**
     * What [path] needs if the request may go on; throws `Denied` (402,
     * 403 or 400) otherwise. [user] `null` skips the user check; an
     * anonymous request in a service with groups is `User(emptyList())`.
     * [now] `null` reads the clock.
     */
    @JvmOverloads
    @Throws(LicmanException::class)
    fun authorize(path: String, license: LicenseChecks?, user: User? = null, now: Instant? = null): String {
        val bytes = utf8(path, "the path")
        val flags = if (user == null) 0 else CAbi.CHECK_USER or (if (user.superuser) CAbi.SUPERUSER else 0)
        val groups = user?.encoded
        val groupsLen = (groups?.size ?: 0).toLong()
        val nowUnix = now?.let { require(it.epochSecond > 0) { "now must be after 1970" }; it.epochSecond } ?: 0L
        val h = handle.acquire()
        var code: Int
        try {
            val l = license?.handle?.acquire() ?: 0L
            try {
                code = CAbi.licman_route_table_authorize_code(h, bytes, bytes.size.toLong(), l, flags, groups, groupsLen, nowUnix, null)
                if (code < 0) {
                    // Refused: decide again with the error kept (the same check, as of the same or a later time).
                    val slot = LongArray(1)
                    code = CAbi.licman_route_table_authorize_code(h, bytes, bytes.size.toLong(), l, flags, groups, groupsLen, nowUnix, slot)
                    if (code < 0) throw CAbi.takeError(slot)
                }
            } finally {
                license?.handle?.release()
            }
        } finally {
            handle.release()
        }
        return when {
            code == CAbi.TARGET_PUBLIC -> "public"
            code == CAbi.TARGET_LICENSED -> "licensed"
            code == CAbi.TARGET_UNLISTED -> "unlisted"
            else -> moduleNames.getOrNull(code - CAbi.TARGET_MODULE) ?: (code - CAbi.TARGET_MODULE).toString()
        }
    }

    /** Frees the native reference once no call is running; later calls throw `IllegalStateException`. */
    override fun close() = handle.close()
}

/** The per-request gateway decision of [this] route table. */
fun RouteTable.gate(): RouteGate = RouteGate(this)

/**
 * The HTTP status of a refusal (402, 403 or 400), 0 for other errors: for
 * Java, which cannot call the `UShort` getters (`Licman.httpStatus(e)`).
 */
fun httpStatus(error: LicmanException): Int = when (error) {
    is LicmanException.Denied -> error.httpStatus.toInt()
    is LicmanException.InvalidLicense -> error.httpStatus.toInt()
    else -> 0
}
