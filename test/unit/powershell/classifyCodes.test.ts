import { expect } from "chai";
import {
    classifyUncodedText,
    classifyWindowsCode,
    findHnsMessageCode,
    findWindowsCode,
    parseWindowsCode,
    toWin32Code,
    type WindowsErrorClass,
} from "../../../provider/model/windowsErrors";
import { fixtureLine } from "../host/fixtureSections";

describe("Windows error codes", () => {
    describe("findWindowsCode reads the posted forms", () => {
        const CASES: [string, () => string, string][] = [
            ["C18 hnsCall code", () => fixtureLine("C18", "(0x57)"), "0x57"],
            ["C22 Portuguese text with code", () => fixtureLine("C22", "O arquivo"), "0x20"],
            ["C33 bind failed HRESULT", () => fixtureLine("C33", "bind failed"), "0x80070490"],
            ["C15 CIM error id", () => fixtureLine("C15", "FullyQualifiedErrorId"), "0x57"],
            ["raw HNS body", () => '{"Error":"x ","ErrorCode":2147942487,"Success":false}', "0x80070057"],
            ["WinRM HRESULT", () => "received an HRESULT 0x80338012 from", "0x80338012"],
        ];
        for (const [name, text, code] of CASES) {
            it(name, () => {
                expect(findWindowsCode(text())).to.equal(code);
            });
        }

        it("finds none in C14", () => {
            expect(findWindowsCode(fixtureLine("C14", "Unspecified error"))).to.equal(undefined);
        });

        it("findHnsMessageCode ignores the CIM form", () => {
            expect(findHnsMessageCode("Windows System Error 87,New-NetNat")).to.equal(undefined);
        });
    });

    describe("parseWindowsCode", () => {
        const CASES: [unknown, string | undefined][] = [
            [87, "0x57"],
            ["87", "0x57"],
            ["0x57", "0x57"],
            [-2147024809, "0x80070057"],
            ["-2147024809", "0x80070057"],
            [2147942487, "0x80070057"],
            [0, undefined],
            [null, undefined],
            ["ERROR", undefined],
            [1.5, undefined],
        ];
        for (const [value, code] of CASES) {
            it(JSON.stringify(value), () => {
                expect(parseWindowsCode(value)).to.equal(code);
            });
        }
    });

    describe("classifyWindowsCode", () => {
        const CASES: [string, WindowsErrorClass | undefined][] = [
            ["0x57", "invalid-parameter"],
            ["0x80070057", "invalid-parameter"],
            ["0x800700b7", "already-exists"],
            ["0x1392", "already-exists"],
            ["0x34", "already-exists"],
            ["0x20", "port-in-use"],
            ["0x6be", "rpc-failed"],
            ["0x6ba", "rpc-failed"],
            ["0x80070490", "element-not-found"],
            ["0x80070005", "access-denied"],
            ["0x80004005", "unspecified"],
            ["0x80131500", undefined],
        ];
        for (const [code, errorClass] of CASES) {
            it(code, () => {
                expect(classifyWindowsCode(code)).to.equal(errorClass);
            });
        }
    });

    it("toWin32Code reduces HRESULTs of facility 7 only", () => {
        expect(toWin32Code("0x80070490")).to.equal("0x490");
        expect(toWin32Code("0x80004005")).to.equal("0x80004005");
    });

    describe("classifyUncodedText", () => {
        const CASES: [string, () => string, WindowsErrorClass | undefined][] = [
            ["C12b object exists", () => fixtureLine("C12b", "already exists"), "already-exists"],
            ["C17 duplicate name", () => fixtureLine("C17", "duplicate name"), "already-exists"],
            ["C23 unspecified", () => fixtureLine("C23", "hole"), "unspecified"],
            ["C07 capital P", () => fixtureLine("C07", "The Parameter is incorrect."), "invalid-parameter"],
            ["C22 paraphrase", () => fixtureLine("C22", "as been used"), "port-in-use"],
            [
                "C42 failed to create network",
                () => fixtureLine("C42", "Error response from daemon: HNS failed with error : Failed"),
                undefined,
            ],
        ];
        for (const [name, text, errorClass] of CASES) {
            it(name, () => {
                expect(classifyUncodedText(text())).to.equal(errorClass);
            });
        }
    });
});
