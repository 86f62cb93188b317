import { expect } from "chai";
import {
    broadcastAddress,
    containsAddress,
    containsPrefix,
    firstHostAddress,
    isIpv6Text,
    isPrivatePrefix,
    isUnspecifiedPrefix,
    Ipv4Prefix,
    normalizeCidr,
    parseCidr,
    parseIpv4,
    prefixesOverlap,
} from "../../../provider/model/cidr";
import { readFixture } from "./windowsFixtures";

function prefix(text: string): Ipv4Prefix {
    const parsed = normalizeCidr(text);
    if (parsed === undefined) {
        throw new Error(`test setup: ${text} is not a CIDR`);
    }
    return parsed;
}

function address(text: string) {
    const parsed = parseIpv4(text);
    if (parsed === undefined) {
        throw new Error(`test setup: ${text} is not an address`);
    }
    return parsed;
}

describe("cidr", () => {
    describe("parseCidr", () => {
        const CASES: [string, string, ReturnType<typeof parseCidr>["kind"], string?][] = [
            ["canonical private prefix", "172.16.0.0/12", "ok", "172.16.0.0/12"],
            ["whole IPv4 space", "0.0.0.0/0", "ok", "0.0.0.0/0"],
            ["single host", "10.1.2.3/32", "ok", "10.1.2.3/32"],
            ["surrounding spaces", " 10.0.0.0/8 ", "ok", "10.0.0.0/8"],
            ["host bits set", "172.22.16.0/16", "host-bits", "172.22.0.0/16"],
            ["host bits in the last octet", "192.168.1.77/24", "host-bits", "192.168.1.0/24"],
            ["leading zero in an octet", "172.016.0.0/12", "malformed"],
            ["leading zero in the length", "10.0.0.0/08", "malformed"],
            ["length 33", "10.0.0.0/33", "malformed"],
            ["three-digit length", "10.0.0.0/100", "malformed"],
            ["octet above 255", "10.256.0.0/16", "malformed"],
            ["three octets", "172.20.0/16", "malformed"],
            ["no length", "172.20.0.0", "malformed"],
            ["negative length", "172.20.0.0/-1", "malformed"],
            ["empty text", "", "malformed"],
            ["IPv6 prefix", "fd00:1::/64", "ipv6"],
            ["IPv6 loopback", "::1/128", "ipv6"],
            ["IPv6 address without length", "fe80::1", "ipv6"],
            ["colon garbage", "10:20/8", "malformed"],
        ];
        for (const [name, text, kind, canonical] of CASES) {
            it(name, () => {
                const parsed = parseCidr(text);
                expect(parsed.kind).to.equal(kind);
                if (parsed.kind === "ok") {
                    expect(parsed.prefix.cidr).to.equal(canonical);
                }
                if (parsed.kind === "host-bits") {
                    expect(parsed.canonical).to.equal(canonical);
                }
            });
        }

        it("reports the prefix length", () => {
            const parsed = parseCidr("172.16.0.0/12");
            expect(parsed.kind === "ok" ? parsed.prefix.prefixLength : undefined).to.equal(12);
        });
    });

    describe("normalizeCidr", () => {
        const CASES: [string, string, string | undefined][] = [
            ["keeps a canonical prefix", "172.25.16.0/20", "172.25.16.0/20"],
            ["drops host bits", "172.31.0.1/20", "172.31.0.0/20"],
            ["drops host bits of a /0", "8.8.8.8/0", "0.0.0.0/0"],
            ["rejects IPv6", "fd00::/8", undefined],
            ["rejects leading zeros", "010.0.0.0/8", undefined],
            ["rejects length 33", "10.0.0.0/33", undefined],
        ];
        for (const [name, text, expected] of CASES) {
            it(name, () => {
                expect(normalizeCidr(text)?.cidr).to.equal(expected);
            });
        }

        it("normalizes the Get-NetNat prefix of fixture C07b", () => {
            const posted = /InternalIPInterfaceAddressPrefix\s*:\s*(\S+)/.exec(readFixture("C07b"))?.[1];
            expect(posted).to.equal("172.31.0.1/20");
            expect(normalizeCidr(posted ?? "")?.cidr).to.equal("172.31.0.0/20");
        });
    });

    describe("parseIpv4", () => {
        const CASES: [string, string, string | undefined][] = [
            ["plain address", "172.20.0.1", "172.20.0.1"],
            ["surrounding spaces", " 10.0.0.53 ", "10.0.0.53"],
            ["leading zero", "10.0.0.053", undefined],
            ["octet above 255", "10.0.0.256", undefined],
            ["three octets", "10.0.1", undefined],
            ["with a length", "10.0.0.1/24", undefined],
            ["IPv6", "fd00::1", undefined],
            ["host name", "dns.corp", undefined],
        ];
        for (const [name, text, expected] of CASES) {
            it(name, () => {
                expect(parseIpv4(text)?.toString()).to.equal(expected);
            });
        }
    });

    describe("isIpv6Text", () => {
        const CASES: [string, boolean][] = [
            ["fd00:1::1", true],
            ["fd00:1::/64", true],
            ["172.20.0.1", false],
            ["172.20.0.0/16", false],
            ["router", false],
        ];
        for (const [text, expected] of CASES) {
            it(`${text} is ${expected ? "" : "not "}IPv6`, () => {
                expect(isIpv6Text(text)).to.equal(expected);
            });
        }
    });

    describe("containment and overlap", () => {
        const CONTAINS_ADDRESS: [string, string, boolean][] = [
            ["172.20.0.0/16", "172.20.255.254", true],
            ["172.20.0.0/16", "172.21.0.1", false],
            ["0.0.0.0/0", "8.8.8.8", true],
            ["10.1.2.3/32", "10.1.2.3", true],
            ["10.1.2.3/32", "10.1.2.4", false],
        ];
        for (const [cidr, text, expected] of CONTAINS_ADDRESS) {
            it(`${cidr} ${expected ? "contains" : "does not contain"} ${text}`, () => {
                expect(containsAddress(prefix(cidr), address(text))).to.equal(expected);
            });
        }

        const CONTAINS_PREFIX: [string, string, boolean][] = [
            ["172.16.0.0/12", "172.16.0.0/16", true],
            ["172.16.0.0/12", "172.17.0.0/16", true],
            ["172.16.0.0/12", "172.31.240.0/20", true],
            ["172.16.0.0/12", "172.32.0.0/16", false],
            ["172.16.0.0/16", "172.16.0.0/12", false],
            ["172.25.16.0/20", "172.25.16.0/20", true],
        ];
        for (const [outer, inner, expected] of CONTAINS_PREFIX) {
            it(`${outer} ${expected ? "contains" : "does not contain"} ${inner}`, () => {
                expect(containsPrefix(prefix(outer), prefix(inner))).to.equal(expected);
            });
        }

        const OVERLAPS: [string, string, boolean][] = [
            ["172.21.16.0/20", "192.168.0.0/22", false],
            ["172.16.0.0/12", "172.20.0.0/16", true],
            ["172.20.0.0/16", "172.16.0.0/12", true],
            ["172.20.0.0/24", "172.20.1.0/24", false],
            ["172.20.0.0/23", "172.20.1.0/24", true],
        ];
        for (const [a, b, expected] of OVERLAPS) {
            it(`${a} and ${b} ${expected ? "overlap" : "do not overlap"}`, () => {
                expect(prefixesOverlap(prefix(a), prefix(b))).to.equal(expected);
            });
        }
    });

    describe("addresses of a prefix", () => {
        it("broadcast address of a /20", () => {
            expect(broadcastAddress(prefix("172.25.16.0/20")).toString()).to.equal("172.25.31.255");
        });

        it("first host address of a /24", () => {
            expect(firstHostAddress(prefix("192.168.127.0/24")).toString()).to.equal("192.168.127.1");
        });

        it("0.0.0.0/0 is unspecified", () => {
            expect(isUnspecifiedPrefix(prefix("0.0.0.0/0"))).to.equal(true);
        });

        it("a real prefix is not unspecified", () => {
            expect(isUnspecifiedPrefix(prefix("172.22.240.0/27"))).to.equal(false);
        });
    });

    describe("isPrivatePrefix", () => {
        const CASES: [string, boolean][] = [
            ["10.0.0.0/8", true],
            ["172.16.0.0/12", true],
            ["172.31.0.0/20", true],
            ["192.168.255.0/30", true],
            ["15.16.1.0/24", false],
            ["172.32.0.0/16", false],
            ["172.0.0.0/8", false],
            ["8.0.0.0/6", false],
        ];
        for (const [cidr, expected] of CASES) {
            it(`${cidr} is ${expected ? "" : "not "}private`, () => {
                expect(isPrivatePrefix(prefix(cidr))).to.equal(expected);
            });
        }
    });
});
