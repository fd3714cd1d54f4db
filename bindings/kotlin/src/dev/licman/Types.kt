// Kotlin types for the generated API's Unix seconds and status strings:
// `java.time.Instant` for times, `Duration` for spans, an enum for a
// license's status, named arguments instead of positional flags. They
// convert and nothing more; the generated functions stay as they are.
@file:JvmName("Licenses")

package dev.licman

import java.time.Duration
import java.time.Instant

/** A license's status at some time. */
enum class LicenseStatus(
    /** The core's code (`active`, `expiring_soon`, …). */
    val code: String,
) {
    ACTIVE("active"),
    EXPIRING_SOON("expiring_soon"),
    IN_GRACE("in_grace"),
    EXPIRED("expired"),
    NOT_YET_VALID("not_yet_valid"),
    ;

    companion object {
        /** The status of a core code; `IllegalArgumentException` for another string. */
        @JvmStatic
        fun of(code: String): LicenseStatus =
            entries.firstOrNull { it.code == code } ?: throw IllegalArgumentException("not a license status: $code")
    }
}

private fun Instant.unix(what: String): ULong {
    require(epochSecond >= 0) { "$what must not be before 1970" }
    return epochSecond.toULong()
}

private fun ULong.instant(): Instant = Instant.ofEpochSecond(toLong())

/** Verify options with `Instant` and `Duration` (see [VerifyOptions]). */
@JvmOverloads
fun verifyOptions(
    now: Instant? = null,
    lastSeen: Instant? = null,
    product: String? = null,
    revocations: String? = null,
    fingerprints: List<String> = emptyList(),
    policy: Policy? = null,
    minRevocationSerial: Long = 0,
    maxRevocationAge: Duration? = null,
): VerifyOptions {
    require(minRevocationSerial >= 0) { "minRevocationSerial must not be negative" }
    require(maxRevocationAge == null || !maxRevocationAge.isNegative) { "maxRevocationAge must not be negative" }
    return VerifyOptions(
        product = product,
        nowUnix = now?.unix("now"),
        lastSeenUnix = lastSeen?.unix("lastSeen"),
        revocations = revocations,
        fingerprints = fingerprints,
        policy = policy,
        minRevocationSerial = minRevocationSerial.toULong(),
        maxRevocationAgeSeconds = maxRevocationAge?.seconds?.toULong(),
    )
}

/** When the license was issued. */
val License.issuedAt: Instant get() = issuedAtUnix().instant()

/** When the license starts. */
val License.startsAt: Instant get() = startsAtUnix().instant()

/** When the license expires (`null`: perpetual). */
val License.expiresAt: Instant? get() = expiresAtUnix()?.instant()

/** The latest time any check saw (a check more than an hour before it is refused). */
val License.lastSeen: Instant get() = lastSeenUnix().instant()

/** The grace period after expiry. */
val License.gracePeriod: Duration get() = Duration.ofSeconds(gracePeriodSeconds().toLong())

/** The status at [now] (`null`: the clock). */
@JvmOverloads
fun License.statusAt(now: Instant? = null): LicenseStatus = LicenseStatus.of(status(now?.unix("now")))

/** The status at verification. */
val License.verifiedStatusEnum: LicenseStatus get() = LicenseStatus.of(verifiedStatus())

/** The status if the license may be used at [now]; throws the 402 refusal otherwise. */
@JvmOverloads
@Throws(LicmanException::class)
fun License.checkValidAt(now: Instant? = null): LicenseStatus = LicenseStatus.of(checkValid(now?.unix("now")))

/** When the activation request was written. */
val ActivationRequest.createdAt: Instant get() = info().createdAt.instant()

/**
 * This machine's activation request for [product] (its fingerprint, a random
 * nonce, [now] or the clock): `activationRequest` with an `Instant`.
 */
fun activationRequestAt(
    product: String,
    customerId: String? = null,
    licenseId: String? = null,
    now: Instant,
): ActivationRequest = activationRequest(product, customerId, licenseId, now.unix("now"))
