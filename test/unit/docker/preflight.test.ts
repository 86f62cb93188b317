import { expect } from "chai";
import type { EngineInfo } from "../../../provider/docker/engine";
import { checkEngine, EngineRequirements, windowsBuild } from "../../../provider/docker/preflight";
import { FailureList, InputFailure } from "../../../provider/model/failures";
import { readFixture } from "../model/windowsFixtures";

/** Reads the fields the provider uses from `docker info` text as the fixtures show it. */
function engineInfoFromDockerInfo(text: string, apiVersion: string, minApiVersion: string): EngineInfo {
    const field = (name: string) => {
        const value = new RegExp(`^\\s*${name}: (.*)$`, "m").exec(text)?.[1];
        if (value === undefined) {
            throw new Error(`test setup: docker info has no ${name}`);
        }
        return value.trim();
    };
    return {
        osType: field("OSType"),
        operatingSystem: field("Operating System"),
        kernelVersion: field("Kernel Version"),
        serverVersion: field("Server Version"),
        apiVersion,
        minApiVersion,
        networkDrivers: field("Network").split(/\s+/),
        swarmActive: false,
    };
}

// Windows 10 1709 with Docker 17.09 (API 1.32), from fixture C13.
const WIN10_1709 = engineInfoFromDockerInfo(readFixture("C13"), "1.32", "1.24");
// Windows Server 2016 with Docker 1.12 (API 1.24), from fixture C14.
const WS2016 = engineInfoFromDockerInfo(readFixture("C14"), "1.24", "1.24");

const LINUX: EngineInfo = {
    osType: "linux",
    operatingSystem: "Debian GNU/Linux 12 (bookworm)",
    kernelVersion: "6.1.0-18-amd64",
    serverVersion: "20.10.24+dfsg1",
    apiVersion: "1.41",
    minApiVersion: "1.12",
    networkDrivers: ["bridge", "host", "ipvlan", "macvlan", "null", "overlay"],
    swarmActive: false,
};

function check(info: EngineInfo, wanted: Partial<EngineRequirements>): InputFailure[] {
    const failures = new FailureList();
    checkEngine(info, "web-01", { driver: "nat", apiVersion: "1.24", ...wanted }, failures);
    return failures.items;
}

function reasonsOn(failures: InputFailure[], property: string): string[] {
    return failures.filter((failure) => failure.property === property).map((failure) => failure.reason);
}

describe("preflight", () => {
    describe("engine info from the fixtures", () => {
        it("C13 lists the Windows drivers", () => {
            expect(WIN10_1709.networkDrivers).to.deep.equal([
                "ics",
                "l2bridge",
                "l2tunnel",
                "nat",
                "null",
                "overlay",
                "transparent",
            ]);
        });

        it("C13 is a Windows engine", () => {
            expect(WIN10_1709.osType).to.equal("windows");
        });
    });

    describe("windowsBuild", () => {
        const CASES: [string, EngineInfo, number | undefined][] = [
            ["Windows 10 1709 from C13", WIN10_1709, 16299],
            ["Windows Server 2016 from C14", WS2016, 14393],
            [
                "Windows Server 2022",
                { ...WIN10_1709, kernelVersion: "10.0 20348 (20348.1.amd64fre.fe_release.210507-1500)" },
                20348,
            ],
            ["Linux engine", LINUX, undefined],
            ["Windows engine without kernel version", { ...WIN10_1709, kernelVersion: "" }, undefined],
        ];
        for (const [name, info, expected] of CASES) {
            it(name, () => {
                expect(windowsBuild(info)).to.equal(expected);
            });
        }
    });

    describe("accepts what the engine offers", () => {
        const CASES: [string, EngineInfo, Partial<EngineRequirements>][] = [
            ["nat on Windows 10 1709", WIN10_1709, { apiVersion: "1.32" }],
            [
                "transparent with options on Windows 10 1709",
                WIN10_1709,
                { driver: "transparent", windows: { adapterName: "Ethernet 2", vlanId: 20 } },
            ],
            [
                "outbound NAT on build 16299",
                WIN10_1709,
                { driver: "l2bridge", windows: { adapterName: "Ethernet 3", outboundNat: true } },
            ],
            ["API version with v prefix", WIN10_1709, { apiVersion: "v1.30" }],
            ["bridge on Linux", LINUX, { driver: "bridge", apiVersion: "1.41" }],
            ["empty windows options on Linux", LINUX, { driver: "bridge", windows: {} }],
        ];
        for (const [name, info, wanted] of CASES) {
            it(name, () => {
                expect(check(info, wanted)).to.deep.equal([]);
            });
        }
    });

    describe("rejects what the engine cannot do", () => {
        it("nat on a Linux engine", () => {
            const reasons = reasonsOn(check(LINUX, { driver: "nat" }), "driver");
            expect(reasons).to.have.length(1);
            expect(reasons[0]).to.match(/host web-01 answers as a linux engine/);
            expect(reasons[0]).to.match(/no "nat" driver/);
            expect(reasons[0]).to.match(/switch to Windows containers/);
        });

        it("transparent on a Linux engine", () => {
            const reasons = reasonsOn(check(LINUX, { driver: "transparent" }), "driver");
            expect(reasons[0]).to.match(
                /Linux engine: on Docker Desktop switch to Windows containers, or fix host\.docker\.url/,
            );
        });

        it("bridge on a Windows engine", () => {
            const reasons = reasonsOn(check(WIN10_1709, { driver: "bridge" }), "driver");
            expect(reasons).to.have.length(1);
            expect(reasons[0]).to.match(/"bridge" is a Linux network driver/);
            expect(reasons[0]).to.match(/use nat/);
            expect(reasons[0]).to.match(/ics, l2bridge, l2tunnel, nat, overlay, transparent/);
        });

        it("a driver the Windows Server 2016 host does not offer", () => {
            const reasons = reasonsOn(check(WS2016, { driver: "transparent" }), "driver");
            expect(reasons).to.have.length(1);
            expect(reasons[0]).to.match(/"transparent" is not a network driver host web-01 offers/);
            expect(reasons[0]).to.match(/it offers: nat, overlay$/);
        });

        it("an engine that lists no drivers", () => {
            const reasons = reasonsOn(
                check({ ...WIN10_1709, networkDrivers: [] }, { driver: "nat" }),
                "driver",
            );
            expect(reasons[0]).to.match(/it offers: none/);
        });

        it("Windows options on a Linux engine", () => {
            const reasons = reasonsOn(check(LINUX, { driver: "bridge", windows: { vlanId: 20 } }), "windows");
            expect(reasons).to.have.length(1);
            expect(reasons[0]).to.match(/linux Docker engine, which ignores Windows network options/);
            expect(reasons[0]).to.match(/point host\.docker\.url at the Windows engine or remove them/);
        });

        it("API version newer than the engine", () => {
            const reasons = reasonsOn(check(WIN10_1709, { apiVersion: "1.41" }), "host.docker.apiVersion");
            expect(reasons).to.have.length(1);
            expect(reasons[0]).to.match(/1\.41 is newer than host web-01's engine supports \(up to 1\.32\)/);
            expect(reasons[0]).to.match(/set it to 1\.32 or lower/);
        });

        it("API version older than the engine accepts", () => {
            const reasons = reasonsOn(check(WIN10_1709, { apiVersion: "1.12" }), "host.docker.apiVersion");
            expect(reasons).to.have.length(1);
            expect(reasons[0]).to.match(/1\.12 is older than host web-01's engine accepts \(from 1\.24\)/);
            expect(reasons[0]).to.match(/set it to 1\.24 or higher/);
        });

        it("compares API versions as numbers", () => {
            const reasons = reasonsOn(check(WIN10_1709, { apiVersion: "1.9" }), "host.docker.apiVersion");
            expect(reasons).to.have.length(1);
            expect(reasons[0]).to.match(/1\.9 is older/);
        });

        it("outbound NAT on build 14393", () => {
            const wanted = { driver: "overlay", windows: { outboundNat: true } };
            const reasons = reasonsOn(check(WS2016, wanted), "windows.outboundNat");
            expect(reasons).to.have.length(1);
            expect(reasons[0]).to.match(/host web-01 runs Windows build 14393/);
            expect(reasons[0]).to.match(/after 16236/);
            expect(reasons[0]).to.match(/remove it/);
        });

        it("outbound NAT on the last build without it", () => {
            const info = { ...WIN10_1709, kernelVersion: "10.0 16236 (16236.0.amd64fre.rs3_release)" };
            const failures = check(info, {
                driver: "l2bridge",
                windows: { adapterName: "Ethernet 3", outboundNat: true },
            });
            expect(reasonsOn(failures, "windows.outboundNat")).to.have.length(1);
        });

        it("reports every problem at once", () => {
            const failures = check(LINUX, {
                driver: "nat",
                apiVersion: "1.44",
                windows: { adapterName: "Ethernet 2" },
            });
            expect(failures.map((failure) => failure.property).sort()).to.deep.equal([
                "driver",
                "host.docker.apiVersion",
                "windows",
            ]);
        });
    });
});
