// Envelope parsing and script building, without PowerShell.

import { expect } from "chai";
import {
    buildOperationScript,
    decodeClixml,
    ENVELOPE_BEGIN,
    ENVELOPE_END,
    OperationError,
    parseEnvelope,
    readOperationOutput,
} from "../../../provider/powershell/operation";
import { RunnerError } from "../../../provider/powershell/runner";

function envelopeText(value: unknown): string {
    const encoded = Buffer.from(JSON.stringify(value), "utf8").toString("base64");
    return `${ENVELOPE_BEGIN}\n${encoded}\n${ENVELOPE_END}\n`;
}

const PROGRESS_CLIXML =
    '#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">' +
    '<Obj S="progress" RefId="0"><TN RefId="0"><T>System.Management.Automation.PSCustomObject</T></TN>' +
    '<MS><I64 N="SourceId">1</I64><PR N="Record"><AV>Preparing modules for first use.</AV></PR></MS></Obj>' +
    '<S S="Error">Get-Thing : it failed &amp; stopped_x000D__x000A_</S></Objs>';

function captureError(action: () => unknown): unknown {
    try {
        action();
    } catch (error) {
        return error;
    }
    return undefined;
}

describe("operation envelope", function () {
    it("reads a result among noise", function () {
        const stdout = `WARNING: something\n\u001b[?1h\u001b[?1l${envelopeText({ ok: true, result: { a: [1] } })}trailing`;
        const result = readOperationOutput("read-daemon-json", {
            stdout,
            stderr: PROGRESS_CLIXML,
            exitCode: 0,
        });
        expect(result).to.deep.equal({ a: [1] });
    });

    it("tolerates a wrapped base64 line", function () {
        const encoded = Buffer.from(JSON.stringify({ ok: true, result: "x".repeat(300) }), "utf8").toString(
            "base64",
        );
        const wrapped = encoded.match(/.{1,80}/g)?.join("\r\n") ?? "";
        const envelope = parseEnvelope(`${ENVELOPE_BEGIN}\r\n${wrapped}\r\n${ENVELOPE_END}\r\n`);
        expect(envelope).to.deep.equal({ ok: true, result: "x".repeat(300) });
    });

    it("throws OperationError with codes", function () {
        const stdout = envelopeText({
            ok: false,
            error: {
                message: "The parameter is incorrect.",
                category: "InvalidArgument",
                hresult: "0x80070057",
                win32Code: 87,
                fullyQualifiedErrorId: "Windows System Error 87,New-NetNat",
                exceptionType: "Microsoft.Management.Infrastructure.CimException",
            },
        });
        const error = captureError(() =>
            readOperationOutput("get-host-facts", { stdout, stderr: "", exitCode: 1 }),
        );
        expect(OperationError.isInstance(error)).to.equal(true);
        const failure = error as OperationError;
        expect(failure.operation).to.equal("get-host-facts");
        expect(failure.category).to.equal("InvalidArgument");
        expect(failure.hresult).to.equal("0x80070057");
        expect(failure.win32Code).to.equal(87);
        expect(failure.fullyQualifiedErrorId).to.equal("Windows System Error 87,New-NetNat");
        expect(failure.message).to.contain("The parameter is incorrect.");
    });

    it("rejects missing envelope", function () {
        const error = captureError(() =>
            readOperationOutput("get-host-facts", {
                stdout: "partial output",
                stderr: PROGRESS_CLIXML,
                exitCode: 1,
            }),
        );
        expect(RunnerError.isInstance(error)).to.equal(true);
        expect((error as RunnerError).kind).to.equal("protocol");
        expect((error as Error).message).to.contain("printed no result envelope");
        expect((error as Error).message).to.contain("Get-Thing : it failed & stopped");
        expect((error as Error).message).to.not.contain("_x000D_");
    });

    it("rejects envelope without end", function () {
        const stdout = envelopeText({ ok: true, result: 1 }).replace(ENVELOPE_END, "");
        expect(parseEnvelope(stdout)).to.equal(undefined);
    });

    it("rejects invalid base64", function () {
        const error = captureError(() =>
            readOperationOutput("get-host-facts", {
                stdout: `${ENVELOPE_BEGIN}\n$(x)\n${ENVELOPE_END}\n`,
                stderr: "",
                exitCode: 0,
            }),
        );
        expect(RunnerError.isInstance(error)).to.equal(true);
        expect((error as Error).message).to.contain("invalid envelope");
    });

    it("rejects depth-truncated results", function () {
        const stdout = envelopeText({ ok: true, result: { deep: "System.Collections.Hashtable" } });
        const error = captureError(() =>
            readOperationOutput("get-host-facts", { stdout, stderr: "", exitCode: 0 }),
        );
        expect(RunnerError.isInstance(error)).to.equal(true);
        expect((error as Error).message).to.contain("cut off");
    });

    it("rejects envelope without ok", function () {
        const error = captureError(() => parseEnvelope(envelopeText({ result: 1 })));
        expect((error as Error).message).to.contain("no boolean ok");
    });

    it("decodes CLIXML error text", function () {
        expect(decodeClixml(PROGRESS_CLIXML)).to.equal("Get-Thing : it failed & stopped\r\n");
        expect(decodeClixml("plain text")).to.equal("plain text");
    });
});

describe("operation script", function () {
    it("carries input only as base64", function () {
        const hostile = "'; $(New-Item marker) `\"\n@'\n'@";
        const script = buildOperationScript("write-daemon-json", { set: { [hostile]: hostile } });
        expect(script).to.not.contain("New-Item marker");
        const tail = script.trimEnd().split("\n").pop() ?? "";
        expect(tail).to.match(/^Invoke-WcnOperation -InputBase64 '[A-Za-z0-9+/=]+'$/);
        const encoded = /'([^']+)'/.exec(tail)?.[1] ?? "";
        expect(JSON.parse(Buffer.from(encoded, "base64").toString("utf8"))).to.deep.equal({
            set: { [hostile]: hostile },
        });
    });

    it("starts with the prelude", function () {
        const script = buildOperationScript("get-host-facts", {});
        expect(script).to.contain("$ErrorActionPreference = 'Stop'");
        expect(script).to.contain("function Invoke-WcnOperationBody");
    });
});
