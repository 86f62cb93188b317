import { expect } from "chai";
import { containsUnknown, UNKNOWN_VALUE } from "../../../provider/model/unknown";
import {
    driverOptionsToWindowsOptions,
    typedOptionFor,
    WindowsNetworkOptions,
    windowsOptionsToDriverOptions,
} from "../../../provider/model/windowsOptions";

const OPTION = "com.docker.network.windowsshim.";

const ALL_OPTIONS: WindowsNetworkOptions = {
    adapterName: "Ethernet 3",
    vlanId: 20,
    dnsServers: ["10.20.0.10", "10.20.0.11"],
    dnsSuffix: "corp.example.com",
    outboundNat: true,
    outboundNatExceptions: ["10.0.0.0/8", "192.168.1.10"],
    macPools: [
        { start: "00-15-5D-20-00-00", end: "00-15-5D-20-0F-FF" },
        { start: "00-15-5D-20-10-00", end: "00-15-5D-20-1F-FF" },
    ],
    disableGatewayDns: true,
    hnsNetworkName: "app-l2",
};

const ALL_DRIVER_OPTIONS: Record<string, string> = {
    [`${OPTION}interface`]: "Ethernet 3",
    [`${OPTION}vlanid`]: "20",
    [`${OPTION}dnsservers`]: "10.20.0.10,10.20.0.11",
    [`${OPTION}dnssuffix`]: "corp.example.com",
    [`${OPTION}enable_outboundnat`]: "true",
    [`${OPTION}outboundnat_exceptions`]: "10.0.0.0/8,192.168.1.10",
    [`${OPTION}macpool`]: "00-15-5D-20-00-00,00-15-5D-20-0F-FF,00-15-5D-20-10-00,00-15-5D-20-1F-FF",
    [`${OPTION}disable_gatewaydns`]: "true",
    [`${OPTION}networkname`]: "app-l2",
};

describe("windows options", () => {
    describe("windowsOptionsToDriverOptions", () => {
        it("renders every option under its shim key", () => {
            expect(windowsOptionsToDriverOptions(ALL_OPTIONS)).to.deep.equal(ALL_DRIVER_OPTIONS);
        });

        it("renders nothing for no options", () => {
            expect(windowsOptionsToDriverOptions(undefined)).to.deep.equal({});
        });

        it("leaves out false switches and empty lists", () => {
            const options = {
                outboundNat: false,
                disableGatewayDns: false,
                dnsServers: [],
                outboundNatExceptions: [],
                macPools: [],
            };
            expect(windowsOptionsToDriverOptions(options)).to.deep.equal({});
        });

        it("renders VLAN 1 as text", () => {
            expect(windowsOptionsToDriverOptions({ vlanId: 1 })).to.deep.equal({ [`${OPTION}vlanid`]: "1" });
        });

        it("typedOptionFor names the option behind a key", () => {
            expect(typedOptionFor(`${OPTION}vlanid`)).to.equal("vlanId");
            expect(typedOptionFor(`${OPTION}macpool`)).to.equal("macPools");
            expect(typedOptionFor(`${OPTION}networkname`)).to.equal("hnsNetworkName");
            expect(typedOptionFor(`${OPTION}routingdomain`)).to.equal(undefined);
        });
    });

    describe("driverOptionsToWindowsOptions", () => {
        it("round-trips typed options", () => {
            expect(driverOptionsToWindowsOptions(windowsOptionsToDriverOptions(ALL_OPTIONS))).to.deep.equal(
                ALL_OPTIONS,
            );
        });

        it("round-trips driver options", () => {
            expect(
                windowsOptionsToDriverOptions(driverOptionsToWindowsOptions(ALL_DRIVER_OPTIONS)),
            ).to.deep.equal(ALL_DRIVER_OPTIONS);
        });

        it("reads only the keys present", () => {
            expect(driverOptionsToWindowsOptions({ [`${OPTION}vlanid`]: "7" })).to.deep.equal({ vlanId: 7 });
        });

        it("ignores engine-added and foreign keys", () => {
            const options = {
                [`${OPTION}hnsid`]: "A546A47A-7368-444A-90EC-4599C874DB0B",
                "com.docker.network.driver.mtu": "1400",
            };
            expect(driverOptionsToWindowsOptions(options)).to.deep.equal({});
        });

        it("leaves out a VLAN id that is not a number", () => {
            expect(driverOptionsToWindowsOptions({ [`${OPTION}vlanid`]: "ten" })).to.deep.equal({});
        });

        it("trims list items and drops empty ones", () => {
            const options = { [`${OPTION}dnsservers`]: " 10.0.0.53, ,10.0.0.54 " };
            expect(driverOptionsToWindowsOptions(options).dnsServers).to.deep.equal([
                "10.0.0.53",
                "10.0.0.54",
            ]);
        });

        describe("parses booleans as Go's strconv.ParseBool", () => {
            const CASES: [string, boolean][] = [
                ["1", true],
                ["t", true],
                ["T", true],
                ["TRUE", true],
                ["true", true],
                ["True", true],
                ["0", false],
                ["f", false],
                ["F", false],
                ["FALSE", false],
                ["false", false],
                ["False", false],
                ["tRuE", false],
                ["yes", false],
                ["on", false],
                ["", false],
            ];
            for (const [text, expected] of CASES) {
                it(`${JSON.stringify(text)} is ${expected}`, () => {
                    const options = {
                        [`${OPTION}enable_outboundnat`]: text,
                        [`${OPTION}disable_gatewaydns`]: text,
                    };
                    const windows = driverOptionsToWindowsOptions(options);
                    expect(windows.outboundNat).to.equal(expected);
                    expect(windows.disableGatewayDns).to.equal(expected);
                });
            }
        });

        describe("pairs MAC pool addresses", () => {
            const CASES: [string, string, WindowsNetworkOptions["macPools"]][] = [
                [
                    "one pool",
                    "00-15-5D-20-00-00,00-15-5D-20-FF-FF",
                    [{ start: "00-15-5D-20-00-00", end: "00-15-5D-20-FF-FF" }],
                ],
                [
                    "two pools",
                    "A-1,A-2,B-1,B-2",
                    [
                        { start: "A-1", end: "A-2" },
                        { start: "B-1", end: "B-2" },
                    ],
                ],
                ["an unpaired start is dropped", "A-1,A-2,B-1", [{ start: "A-1", end: "A-2" }]],
                ["empty text", "", []],
            ];
            for (const [name, text, expected] of CASES) {
                it(name, () => {
                    expect(
                        driverOptionsToWindowsOptions({ [`${OPTION}macpool`]: text }).macPools,
                    ).to.deep.equal(expected);
                });
            }
        });
    });

    describe("containsUnknown", () => {
        const CASES: [string, unknown, boolean][] = [
            ["the marker itself", UNKNOWN_VALUE, true],
            ["nested in an object", { windows: { vlanId: UNKNOWN_VALUE } }, true],
            ["nested in an array", ["10.0.0.53", UNKNOWN_VALUE], true],
            ["known values", { windows: { vlanId: 20, dnsServers: ["10.0.0.53"] } }, false],
            ["the marker inside longer text", `x${UNKNOWN_VALUE}`, false],
            ["null", null, false],
        ];
        for (const [name, value, expected] of CASES) {
            it(name, () => {
                expect(containsUnknown(value)).to.equal(expected);
            });
        }
    });
});
