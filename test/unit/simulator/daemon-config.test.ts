import { expect } from "chai";
import { parseDaemonConfig } from "../../../provider/simulator/daemon-config";
import { formatIpv4Prefix } from "../../../provider/simulator/ipv4";
import { readFixture } from "./helpers";

const PREFIX =
    "unable to configure the Docker daemon with file C:\\ProgramData\\Docker\\config\\daemon.json: ";

/** Parses daemon.json text and returns the settings in plain form, or the start-up error text. */
function parse(text: string | null): { bridgeNone: boolean; fixedCidr: string | null } | string {
    try {
        const config = parseDaemonConfig(text);
        return {
            bridgeNone: config.bridgeNone,
            fixedCidr: config.fixedCidr === null ? null : formatIpv4Prefix(config.fixedCidr),
        };
    } catch (error) {
        return (error as Error).message;
    }
}

const DEFAULTS = { bridgeNone: false, fixedCidr: null };

const ACCEPTED: [string, string | null, { bridgeNone: boolean; fixedCidr: string | null }][] = [
    ["missing file", null, DEFAULTS],
    ["empty file", "  \n", DEFAULTS],
    ["empty object", "{}", DEFAULTS],
    ["JSON null", "null", DEFAULTS],
    ["bridge none", '{ "bridge": "none" }', { bridgeNone: true, fixedCidr: null }],
    ["other bridge value", '{ "bridge": "nat" }', DEFAULTS],
    ["fixed-cidr", '{ "fixed-cidr": "10.99.0.0/24" }', { bridgeNone: false, fixedCidr: "10.99.0.0/24" }],
    ["empty fixed-cidr", '{ "fixed-cidr": "" }', DEFAULTS],
    ["null fixed-cidr", '{ "fixed-cidr": null }', DEFAULTS],
    [
        "nested keys of known settings",
        '{ "log-opts": { "max-size": "10m" }, "features": { "anything": true }, "tls": false }',
        DEFAULTS,
    ],
];

const REJECTED: [string, string, string][] = [
    [
        "unknown keys in file order",
        '{ "zeta-key": 1, "debug": true, "alpha-key": "x" }',
        "the following directives don't match any configuration option: zeta-key, alpha-key",
    ],
    [
        "key in another letter case",
        '{ "Fixed-Cidr": "10.99.0.0/24" }',
        "the following directives don't match any configuration option: Fixed-Cidr",
    ],
    [
        "Linux-only key",
        '{ "iptables": false }',
        "the following directives don't match any configuration option: iptables",
    ],
    ["array at the top", "[]", "json: cannot unmarshal array into Go value of type map[string]interface {}"],
    [
        "string at the top",
        '"x"',
        "json: cannot unmarshal string into Go value of type map[string]interface {}",
    ],
    [
        "fixed-cidr number",
        '{ "fixed-cidr": 5 }',
        "json: cannot unmarshal number into Go struct field Config.fixed-cidr of type string",
    ],
    [
        "bridge bool",
        '{ "bridge": false }',
        "json: cannot unmarshal bool into Go struct field Config.bridge of type string",
    ],
    ["invalid fixed-cidr", '{ "fixed-cidr": "not-a-prefix" }', "invalid fixed-cidr not-a-prefix"],
];

describe("simulated engine: daemon.json parsing", () => {
    for (const [name, text, expected] of ACCEPTED) {
        it(`accepts ${name}`, () => {
            expect(parse(text)).to.deep.equal(expected);
        });
    }

    for (const [name, text, detail] of REJECTED) {
        it(`rejects ${name}`, () => {
            expect(parse(text)).to.equal(PREFIX + detail);
        });
    }

    it("rejects text that is not JSON", () => {
        const message = parse("{ bridge: none");
        expect(message).to.be.a("string");
        expect(message as string).to.match(/^unable to configure the Docker daemon with file C:\\.+: \S/);
    });

    it("accepts the posted daemon.json", () => {
        expect(parse(readFixture("C12-daemon.json"))).to.deep.equal({ bridgeNone: true, fixedCidr: null });
    });
});
