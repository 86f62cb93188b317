import { expect } from "chai";
import {
    detectTextFormat,
    FormattedTextError,
    normalizeGuid,
    normalizeMac,
    parseErrorRecords,
    parseFormatList,
    parseFormatTables,
    parseHostJson,
    parseIpconfig,
    readBoolean,
    readEnumName,
    readField,
    readList,
    readNumber,
    readString,
    type TextFormat,
} from "../../../provider/host/textFormats";
import { readFixture } from "../model/windowsFixtures";
import { readFixtureSections } from "./fixtureSections";

describe("detectTextFormat", () => {
    const CASES: [string, () => string, TextFormat][] = [
        ["C09b HNS JSON", () => readFixture("C09b"), "json"],
        ["C12 daemon.json", () => readFixture("C12"), "json"],
        ["C06b verbose log with wrapped JSON", () => readFixture("C06b"), "console-json"],
        ["C25 HNS list fragment", () => readFixtureSections("C25")[1], "console-json"],
        ["C03 inspect cut off", () => readFixture("C03"), "broken-json"],
        ["C08 Get-HnsNetwork list", () => readFixture("C08"), "format-list"],
        ["C10 Get-HnsEndpoint list", () => readFixture("C10"), "format-list"],
        ["C35 Get-ContainerNetwork table", () => readFixture("C35"), "format-table"],
        ["C18 Get-NetAdapter table", () => readFixtureSections("C18")[0], "format-table"],
        ["blank output", () => " \n", "empty"],
        ["C09c tool output", () => readFixture("C09c"), "unknown"],
    ];
    for (const [name, text, format] of CASES) {
        it(name, () => {
            expect(detectTextFormat(text())).to.equal(format);
        });
    }
});

describe("parseHostJson", () => {
    it("parses JSON", () => {
        expect(readField(parseHostJson(readFixture("C09b"), "HNS networks"), "Success")).to.equal(true);
    });

    it("reads empty output as undefined", () => {
        expect(parseHostJson("", "HNS networks")).to.equal(undefined);
    });

    it("rejects C06b with the subject and the fix", () => {
        expect(() => parseHostJson(readFixture("C06b"), "HNS networks")).to.throw(
            FormattedTextError,
            /^HNS networks: cannot read nested HNS data from formatted text; request JSON \(ConvertTo-Json -Depth 10 -Compress\)\. /,
        );
    });

    it("says why C08 was rejected", () => {
        expect(() => parseHostJson(readFixture("C08"), "HNS networks")).to.throw(/Format-List text/);
    });

    it("rejects JSON cut short by depth", () => {
        expect(() => parseHostJson('{"Policies":"@{Type=VLAN; VLAN=1}"}', "HNS networks")).to.throw(
            /too small a -Depth/,
        );
    });
});

describe("parseFormatList", () => {
    it("C07 Get-NetNat record", () => {
        const [record] = parseFormatList(readFixtureSections("C07")[5]);
        expect(record.Name).to.equal("H86ba7d44-ccf2-4b0c-b6cb-1cf824bd155b");
        expect(record.ExternalIPInterfaceAddressPrefix).to.equal("");
        expect(record.InternalIPInterfaceAddressPrefix).to.equal("172.25.16.0/20");
        expect(record.Active).to.equal("True");
    });

    it("C07b padded keys", () => {
        const records = parseFormatList(readFixture("C07b"));
        expect(records).to.have.length(1);
        expect(records[0].InternalIPInterfaceAddressPrefix).to.equal("172.31.0.1/20");
        expect(records[0].Store).to.equal("Local");
    });

    it("C08 joins continuation lines", () => {
        const [record] = parseFormatList(readFixture("C08"));
        expect(record.Extensions).to.match(/^\{@\{Id=E7C3B2F0.*Microsoft NDIS Capture\}\}$/);
        expect(record.Flags).to.equal("8");
        expect(record.NatName).to.equal("NAT9EB86A6C-8942-4B54-8F11-135F3849E2D5");
    });

    it("C08b keeps the flattened policies as text", () => {
        const [record] = parseFormatList(readFixture("C08b"));
        expect(record.Policies).to.equal("{@{Type=VLAN; VLAN=1}}");
        expect(record.ID).to.equal("85D61148-49EF-40BB-A450-3BEBE951D838");
    });

    it("C10 skips the prompt line", () => {
        const records = parseFormatList(readFixture("C10"));
        expect(records).to.have.length(1);
        expect(Object.keys(records[0])[0]).to.equal("ID");
        expect(records[0].SharedContainers).to.equal("{}");
    });

    it("C34 splits records where a name repeats", () => {
        const records = parseFormatList(readFixture("C34"));
        expect(records.map((record) => `${record.Name}/${record.SwitchType}`)).to.deep.equal([
            "Microsoft Hyper-V Network Adapter - Virtual Switch/External",
            "nat/Private",
            "nat/Internal",
        ]);
    });

    it("C34 joins a value wrapped at a space", () => {
        const [record] = parseFormatList(readFixture("C34"));
        expect(record.Extensions).to.equal(
            "{Microsoft Windows Filtering Platform, Microsoft Azure VFP Switch Extension, Microsoft NDIS Capture}",
        );
    });
});

describe("parseFormatTables", () => {
    it("C07 Get-VMSwitch", () => {
        const [table] = parseFormatTables(readFixtureSections("C07")[4]);
        expect(table.columns).to.deep.equal(["Name", "SwitchType", "NetAdapterInterfaceDescription"]);
        expect(table.rows.map((row) => row.cells.Name)).to.deep.equal([
            "external-virtual",
            "internal-virtual",
            "nat",
        ]);
        expect(table.rows.every((row) => !row.misaligned)).to.equal(true);
    });

    it("C07b flags rows pasted out of alignment", () => {
        const [table] = parseFormatTables(readFixture("C07b"));
        expect(table.rows.map((row) => row.misaligned)).to.deep.equal([true, true, false, true]);
    });

    it("C07b reads the one aligned row", () => {
        const [table] = parseFormatTables(readFixture("C07b"));
        expect(table.rows[2].cells).to.deep.equal({
            Name: "Windows Phone Emulator Internal Switch",
            SwitchType: "Internal",
            NetAdapterInterfaceDescription: "",
        });
    });

    it("C18 right-aligned numbers", () => {
        const [table] = parseFormatTables(readFixtureSections("C18")[0]);
        expect(table.rows.map((row) => row.cells.ifIndex)).to.deep.equal(["24", "13"]);
        expect(table.rows.map((row) => row.cells.LinkSpeed)).to.deep.equal(["1 Gbps", "1 Gbps"]);
    });

    it("C18 flags text that follows without a blank line", () => {
        const [table] = parseFormatTables(readFixture("C18"));
        expect(table.rows.filter((row) => !row.misaligned)).to.have.length(2);
        expect(table.rows.length).to.be.greaterThan(2);
    });

    it("C33 truncated last row", () => {
        const [table] = parseFormatTables(readFixtureSections("C33")[3]);
        expect(table.rows[6].cells.Status).to.equal("Disconn");
        expect(table.rows[6].misaligned).to.equal(false);
    });

    it("C35 two tables and an empty list cell", () => {
        const tables = parseFormatTables(readFixture("C35"));
        expect(tables).to.have.length(2);
        expect(tables[0].rows[0].cells.Subnets).to.equal("{}");
        expect(tables[0].rows[0].cells.Mode).to.equal("Transparent");
        expect(tables[0].rows[0].cells.SourceMac).to.equal("");
    });
});

describe("parseErrorRecords", () => {
    it("C15 CIM error", () => {
        const [record] = parseErrorRecords(readFixture("C15"));
        expect(record.command).to.equal("New-NetNat");
        expect(record.message).to.equal("The parameter is incorrect.");
        expect(record.category).to.equal("InvalidArgument");
        expect(record.exceptionType).to.equal("CimException");
        expect(record.target).to.equal("MSFT_NetNat:root/StandardCimv2/MSFT_NetNat");
        expect(record.fullyQualifiedErrorId).to.equal("Windows System Error 87,New-NetNat");
    });

    it("C15b lines without indentation", () => {
        const [record] = parseErrorRecords(readFixture("C15b"));
        expect(record.fullyQualifiedErrorId).to.equal("Windows System Error 87,New-NetNat");
    });

    it("C17 message wrapped by the console, cut off before its id", () => {
        const [record] = parseErrorRecords(readFixture("C17"));
        expect(record.command).to.equal("new-netnat");
        expect(record.message).to.match(
            /^You were not connected because a duplicate name exists on the network\./,
        );
        expect(record.fullyQualifiedErrorId).to.equal(undefined);
    });

    it("C32 two records", () => {
        const records = parseErrorRecords(readFixture("C32"));
        expect(records.map((record) => record.command)).to.deep.equal(["Set-VMSwitch", "Set-VMSwitch"]);
        expect(records[0].exceptionType).to.equal("VirtualizationException");
        expect(records[1].message).to.match(/required by parameter 'NetAdapterName'/);
    });

    it("C33 two-line message with a code", () => {
        const record = parseErrorRecords(readFixture("C33")).find(
            (item) => item.category === "ObjectNotFound",
        );
        expect(record?.message).to.match(
            /\nEthernet port '\{EC88F1CA-81FD-421B-A395-FD47CD3BD45F\}' bind failed/,
        );
        expect(record?.fullyQualifiedErrorId).to.equal(
            "ObjectNotFound,Microsoft.HyperV.PowerShell.Commands.SetVMSwitch",
        );
    });

    it("C33 record after a tool prefix", () => {
        const record = parseErrorRecords(readFixture("C33")).find((item) => item.category === "ResourceBusy");
        expect(record?.command).to.equal("New-VMSwitch");
        expect(record?.message).to.equal("<lots of localized text>");
    });

    it("C35 after a confirmation prompt", () => {
        const records = parseErrorRecords(readFixture("C35"));
        expect(records.map((record) => record.command)).to.deep.equal(["Remove-ContainerNetwork"]);
        expect(records[0].category).to.equal("InvalidOperation");
    });
});

describe("parseIpconfig", () => {
    it("C38 address from DHCP", () => {
        const [adapter] = parseIpconfig(readFixture("C38"));
        expect(adapter.name).to.equal("Ethernet");
        expect(adapter.fields["IPv4 Address"]).to.equal("192.168.1.186");
        expect(adapter.fields["Default Gateway"]).to.equal("192.168.1.254");
        expect(adapter.fields["Subnet Mask"]).to.equal("255.255.255.0");
    });

    it("C04 container adapter description", () => {
        const [adapter] = parseIpconfig(readFixture("C04"));
        expect(adapter.name).to.equal("vEthernet (Ethernet)");
        expect(adapter.fields.Description).to.equal("Hyper-V Virtual Ethernet Adapter #4");
    });
});

describe("PowerShell JSON readers", () => {
    it("readList takes an array", () => {
        expect(readList([1, 2])).to.deep.equal([1, 2]);
    });

    it("readList unwraps value and Count", () => {
        expect(readList({ value: ["a"], Count: 1 })).to.deep.equal(["a"]);
    });

    it("readList wraps one object", () => {
        expect(readList({ Name: "nat" })).to.deep.equal([{ Name: "nat" }]);
    });

    it("readList keeps an object with more keys than value and Count", () => {
        expect(readList({ value: 1, Count: 1, Name: "x" })).to.have.length(1);
    });

    it("readList reads null and {} as empty", () => {
        expect(readList(null)).to.deep.equal([]);
        expect(readList("{}")).to.deep.equal([]);
        expect(readList("")).to.deep.equal([]);
    });

    it("readList rejects System.Object[]", () => {
        expect(() => readList("System.Object[]", "Subnets")).to.throw(FormattedTextError, /^Subnets: /);
    });

    it("readList rejects a printed list", () => {
        expect(() => readList("{10.0.0.0/24, 10.0.1.0/24}")).to.throw(FormattedTextError);
    });

    it("readField ignores key case and null", () => {
        expect(readField({ id: null, ID: "x" }, "Id")).to.equal("x");
    });

    it("readString trims and drops empty text", () => {
        expect(readString("  nat ")).to.equal("nat");
        expect(readString(" ")).to.equal(undefined);
    });

    it("readNumber reads text", () => {
        expect(readNumber("20")).to.equal(20);
        expect(readNumber("twenty")).to.equal(undefined);
    });

    it("readBoolean reads text", () => {
        expect(readBoolean("True")).to.equal(true);
        expect(readBoolean("false")).to.equal(false);
        expect(readBoolean("yes")).to.equal(undefined);
    });

    it("readEnumName maps numbers", () => {
        expect(readEnumName(2, ["Private", "Internal", "External"])).to.equal("External");
        expect(readEnumName("1", ["Private", "Internal", "External"])).to.equal("Internal");
        expect(readEnumName(7, ["Private"])).to.equal("7");
        expect(readEnumName("Internal", [])).to.equal("Internal");
    });

    it("normalizeGuid lower-cases and drops braces", () => {
        expect(normalizeGuid("{65913AAD-751A-4438-A48D-BBF2129FE40E}")).to.equal(
            "65913aad-751a-4438-a48d-bbf2129fe40e",
        );
        expect(normalizeGuid("NAT9EB86A6C")).to.equal(undefined);
    });

    it("normalizeMac uses dashes", () => {
        expect(normalizeMac("00:15:5d:a1:63:26")).to.equal("00-15-5D-A1-63-26");
        expect(normalizeMac("00-15-5D")).to.equal(undefined);
    });
});
