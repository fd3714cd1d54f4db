// The machine id, read in Node the way the native library reads it (Linux
// /etc/machine-id or /var/lib/dbus/machine-id, macOS IOPlatformUUID through
// ioreg, Windows MachineGuid through reg), and this machine's fingerprint:
// the core's recipe (machineFingerprintOf) over it.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import raw from "./licman_wasm_node.cjs";
import { InvalidArgument } from "./errors.js";

export const machineFingerprintOf = (product, machineId) => raw.machineFingerprintOf(product, machineId);

/** 32 random hex digits (the Web Crypto API, in Node and browsers). */
export function randomNonce() {
  return Array.from(globalThis.crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

function read() {
  try {
    if (process.platform === "linux") {
      for (const path of ["/etc/machine-id", "/var/lib/dbus/machine-id"]) {
        try {
          const id = readFileSync(path, "utf8").trim();
          if (id) return id;
        } catch {
          // the next place
        }
      }
    } else if (process.platform === "darwin") {
      const out = execFileSync("ioreg", ["-rd1", "-c", "IOPlatformExpertDevice"], { encoding: "utf8" });
      return out.split("\n").find((l) => l.includes("IOPlatformUUID"))?.split('"')[3] ?? null;
    } else if (process.platform === "win32") {
      const out = execFileSync("reg", ["query", "HKLM\\SOFTWARE\\Microsoft\\Cryptography", "/v", "MachineGuid"], { encoding: "utf8" });
      return out.split("\n").find((l) => l.includes("MachineGuid"))?.trim().split(/\s+/).pop() ?? null;
    }
  } catch {
    // no id to read
  }
  return null;
}

/** The operating system's id of this machine; throws `no_machine_id` where none can be read. */
export function machineId() {
  const id = read();
  if (!id) {
    throw new InvalidArgument("no_machine_id", "this system has no machine id to read (Linux /etc/machine-id, macOS IOPlatformUUID, Windows MachineGuid)");
  }
  return id;
}

/** This machine's fingerprint for `product`. */
export function machineFingerprint(product) {
  return machineFingerprintOf(product, machineId());
}

/**
 * An activation request for this machine: its fingerprint for `product`, a
 * random nonce, and `options.now` (default: now); `options.customerId` and
 * `options.licenseId` if known.
 */
export function activationRequest(product, options = {}) {
  return raw.ActivationRequest.fromFields({
    product,
    fingerprint: machineFingerprint(product),
    nonce: randomNonce(),
    createdAt: options.now ?? new Date(),
    customerId: options.customerId,
    licenseId: options.licenseId,
  });
}
