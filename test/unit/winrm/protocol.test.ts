import { expect } from "chai";
import {
    bootstrapCommand,
    bootstrapInput,
    decodePowerShellCommand,
    encodePowerShellCommand,
    splitWindowsCommandLine,
    STDIN_BOOTSTRAP,
} from "../../../provider/winrm/command-line";
import { describeFault, readFaultFromText, WinRmError, WSMAN_FAULT } from "../../../provider/winrm/faults";
import { buildRequest, parseDurationMs, parseEnvelope, pathNode, textOf } from "../../../provider/winrm/soap";
import { faultReply, faults } from "../../../provider/simulator/winrm/replies";

describe("WinRM SOAP envelopes", () => {
    it("builds a request with selectors and options", () => {
        const { xml, messageId } = buildRequest(
            {
                to: "https://h:5986/wsman",
                action: "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Command",
                resourceUri: "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd",
                maxEnvelopeSize: 153600,
                operationTimeoutSec: 20,
                shellId: "ABC",
                options: { WINRS_SKIP_CMD_SHELL: "TRUE" },
            },
            "<rsp:CommandLine><rsp:Command>echo &amp;</rsp:Command></rsp:CommandLine>",
        );
        const parsed = parseEnvelope(xml);
        expect(textOf(pathNode(parsed.header, "MessageID"))).to.equal(messageId);
        expect(textOf(pathNode(parsed.header, "OperationTimeout"))).to.equal("PT20S");
        expect(textOf(pathNode(parsed.header, "SelectorSet", "Selector"))).to.equal("ABC");
        expect(textOf(pathNode(parsed.body, "CommandLine", "Command"))).to.equal("echo &");
    });

    it("parses xs:duration timeouts", () => {
        expect(parseDurationMs("PT20S")).to.equal(20000);
        expect(parseDurationMs("PT20.500S")).to.equal(20500);
        expect(parseDurationMs("PT1M30S")).to.equal(90000);
        expect(parseDurationMs("20")).to.equal(undefined);
    });

    it("rejects text that is not an envelope", () => {
        expect(() => parseEnvelope("<a>")).to.throw(/well-formed|Envelope/);
        expect(() => parseEnvelope("<root/>")).to.throw(/no SOAP Envelope/);
    });

    it("rejects a document type declaration", () => {
        const xml =
            '<?xml version="1.0"?><!DOCTYPE s [<!ENTITY e "INJECTED">]>' +
            '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>&e;</s:Body></s:Envelope>';
        expect(() => parseEnvelope(xml)).to.throw(/DOCTYPE, which SOAP does not allow/);
    });
});

describe("WS-Management faults", () => {
    it("reads code, subcode and message from a 500 body", () => {
        const reply = faultReply(faults.operationTimedOut(), "uuid:1", "HOST");
        const fault = readFaultFromText(reply.xml);
        expect(fault?.code).to.equal("s:Receiver");
        expect(fault?.subcode).to.equal("w:TimedOut");
        expect(fault?.wsmanCode).to.equal(WSMAN_FAULT.operationTimedOut);
        expect(fault?.message).to.contain("OperationTimeout");
    });

    it("describes a fault with hex code", () => {
        const fault = readFaultFromText(faultReply(faults.shellNotFound("S1"), "", "HOST").xml)!;
        expect(describeFault(fault)).to.contain("code 2150858843 (0x8033805B)");
        expect(describeFault(fault)).to.contain("ShellId S1");
    });

    it("reads the WSManFault message when Reason is missing", () => {
        const xml =
            '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><s:Fault><s:Code><s:Value>s:Receiver</s:Value></s:Code>' +
            '<s:Detail><f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault" Code="2147944126">' +
            "<f:Message><f:ProviderFault>The remote procedure call failed.</f:ProviderFault></f:Message></f:WSManFault></s:Detail></s:Fault></s:Body></s:Envelope>";
        const fault = readFaultFromText(xml);
        expect(fault?.message).to.equal("The remote procedure call failed.");
        expect(fault?.wsmanCode).to.equal(WSMAN_FAULT.rpcCallFailed);
    });

    it("returns undefined for a body without a fault", () => {
        expect(readFaultFromText("Bad Request")).to.equal(undefined);
        expect(readFaultFromText("<s:Envelope xmlns:s='x'><s:Body/></s:Envelope>")).to.equal(undefined);
    });

    it("classifies transient faults", () => {
        const transient = [WSMAN_FAULT.maxShellsPerUser, WSMAN_FAULT.rpcCallFailed];
        for (const wsmanCode of transient) {
            const error = new WinRmError("fault", "x", {
                fault: { code: "s:Receiver", wsmanCode, message: "" },
            });
            expect(error.isTransient(), wsmanCode).to.equal(true);
        }
        const selectors = new WinRmError("fault", "x", {
            fault: { code: "s:Sender", wsmanCode: WSMAN_FAULT.invalidSelectors, message: "" },
        });
        expect(selectors.isTransient()).to.equal(false);
        expect(selectors.isShellNotFound()).to.equal(true);
        expect(new WinRmError("authentication", "x").isTransient()).to.equal(false);
        expect(new WinRmError("connection", "x").isTransient()).to.equal(true);
    });
});

describe("PowerShell command lines", () => {
    it("round-trips -EncodedCommand text", () => {
        const script = "Write-Output 'ü €'";
        expect(decodePowerShellCommand(encodePowerShellCommand(script))).to.equal(script);
    });

    it("keeps the bootstrap short", () => {
        const { command, args } = bootstrapCommand();
        const line = [command, ...args].join(" ");
        expect(line.length).to.be.below(1000);
        expect(decodePowerShellCommand(args[3])).to.equal(STDIN_BOOTSTRAP);
    });

    it("sends the script as base64 UTF-8 on stdin", () => {
        const input = bootstrapInput("'ü'");
        expect(Buffer.from(input.toString("ascii").trim(), "base64").toString("utf8")).to.equal("'ü'");
    });

    it("splits command lines with Windows rules", () => {
        const cases: Array<[string, string[]]> = [
            ["powershell -enc QQB=", ["powershell", "-enc", "QQB="]],
            ['"C:\\Program Files\\x.exe" a  b', ["C:\\Program Files\\x.exe", "a", "b"]],
            ['a "b ""c"" d"', ["a", 'b "c" d']],
            ['a\\\\"b c"', ["a\\b c"]],
            ['a\\"b', ['a"b']],
            ["a\\b", ["a\\b"]],
            ['""', [""]],
        ];
        for (const [line, expected] of cases) {
            expect(splitWindowsCommandLine(line), line).to.deep.equal(expected);
        }
    });
});
