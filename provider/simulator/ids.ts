import { randomBytes, randomUUID } from "node:crypto";

/** Returns a Docker object id: 64 lower-case hex digits. */
export function newDockerId(): string {
    return randomBytes(32).toString("hex");
}

/** Returns a random GUID in upper case, the form HNS uses for network and endpoint ids. */
export function newGuid(): string {
    return randomUUID().toUpperCase();
}

/** Returns a MAC address in the Hyper-V range 00-15-5D, written the way HNS writes it. */
export function newHyperVMac(): string {
    const tail = randomBytes(3).toString("hex").toUpperCase().match(/../g) ?? [];
    return ["00", "15", "5D", ...tail].join("-");
}

/** Converts `00-15-5D-B2-26-E0` into the form Docker prints, `00:15:5d:b2:26:e0`. */
export function toDockerMac(mac: string): string {
    return mac.replace(/-/g, ":").toLowerCase();
}

/** Converts `00:15:5d:b2:26:e0` (or any case and separator) into the HNS form `00-15-5D-B2-26-E0`. */
export function toHnsMac(mac: string): string {
    return mac.replace(/[:]/g, "-").toUpperCase();
}

/** Returns true for a MAC address written with `:` or `-` separators. */
export function isMacAddress(text: string): boolean {
    return /^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$/.test(text);
}

/**
 * Formats a time the way the Windows engine prints `Created`: seven fractional digits and a `Z`,
 * for example `2018-12-12T14:20:06.3060877Z`.
 */
export function dockerTimestamp(date: Date = new Date()): string {
    return date.toISOString().replace(/\.(\d{3})Z$/, ".$10000Z");
}
