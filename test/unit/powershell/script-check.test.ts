// Operation scripts must run unchanged on Windows PowerShell 5.1, and every Windows cmdlet call,
// in the scripts and in the simulated module, must use parameters that Microsoft documents.

import { expect } from "chai";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { resetHostState } from "../../../provider/simulator/seed";
import { requireOrSkip } from "../../support/components";
import {
    FIXTURES_DIRECTORY,
    findPwsh,
    runPwshJson,
    SCRIPTS_DIRECTORY,
    SIMULATED_MODULE,
    TOOLS_DIRECTORY,
} from "./pwsh";

interface Inspection {
    files: {
        path: string;
        parseErrors: { line: number; message: string }[];
        findings: { rule: string; line: number; text: string }[];
        commands: { name: string; parameters: string[]; splatted: boolean; line: number }[];
    }[];
}

interface DocumentedCmdlet {
    parameterSets: { name: string; parameters: { name: string; aliases?: string[] }[] }[];
    commonParameters?: boolean;
}

/** PowerShell's common parameters, accepted by every cmdlet that documents CommonParameters. */
const COMMON_PARAMETERS = [
    "Debug",
    "ErrorAction",
    "ErrorVariable",
    "InformationAction",
    "InformationVariable",
    "OutBuffer",
    "OutVariable",
    "PipelineVariable",
    "ProgressAction",
    "Verbose",
    "WarningAction",
    "WarningVariable",
    "WhatIf",
    "Confirm",
];

const INSPECTOR = path.join(TOOLS_DIRECTORY, "Inspect-WcnScript.ps1");
const SEVEN_ONLY_SAMPLES = path.join(FIXTURES_DIRECTORY, "seven-only");

function operationScriptFiles(): string[] {
    const scripts = readdirSync(path.join(SCRIPTS_DIRECTORY, "scripts"))
        .filter((name) => name.endsWith(".ps1"))
        .map((name) => path.join(SCRIPTS_DIRECTORY, "scripts", name));
    return [path.join(SCRIPTS_DIRECTORY, "prelude.ps1"), ...scripts];
}

function loadDocumentedCmdlets(): Record<string, DocumentedCmdlet> {
    const parsed = JSON.parse(readFileSync(path.join(FIXTURES_DIRECTORY, "cmdlets.json"), "utf8")) as Record<
        string,
        unknown
    >;
    const cmdlets: Record<string, DocumentedCmdlet> = {};
    for (const [name, entry] of Object.entries(parsed)) {
        if (
            typeof entry === "object" &&
            entry !== null &&
            Array.isArray((entry as DocumentedCmdlet).parameterSets)
        ) {
            cmdlets[name.toLowerCase()] = entry as DocumentedCmdlet;
        }
    }
    return cmdlets;
}

/** Names (and aliases) of each documented parameter set, lower case. */
function documentedSets(cmdlet: DocumentedCmdlet): Set<string>[] {
    return cmdlet.parameterSets.map(
        (set) =>
            new Set(
                set.parameters
                    .flatMap((parameter) => [parameter.name, ...(parameter.aliases ?? [])])
                    .map((name) => name.toLowerCase()),
            ),
    );
}

/** Returns true when every name is in one documented set or is a common parameter. */
function fitsOneSet(cmdlet: DocumentedCmdlet, names: string[]): boolean {
    const common = new Set(
        cmdlet.commonParameters === false ? [] : COMMON_PARAMETERS.map((name) => name.toLowerCase()),
    );
    const specific = names.map((name) => name.toLowerCase()).filter((name) => !common.has(name));
    return documentedSets(cmdlet).some((set) => specific.every((name) => set.has(name)));
}

describe("operation scripts", function () {
    let pwsh: string;
    let inspection: Inspection;
    const documented = loadDocumentedCmdlets();

    before(async function () {
        const found = findPwsh();
        requireOrSkip(
            this,
            "pwsh",
            found !== undefined,
            "install it with: dotnet tool install --global PowerShell --version 7.6.10",
        );
        pwsh = found as string;
        inspection = await runPwshJson<Inspection>(pwsh, INSPECTOR, operationScriptFiles());
    });

    it("parse without errors", function () {
        for (const file of inspection.files) {
            expect(file.parseErrors, path.basename(file.path)).to.deep.equal([]);
        }
    });

    it("use no PowerShell 7 syntax", function () {
        for (const file of inspection.files) {
            expect(file.findings, path.basename(file.path)).to.deep.equal([]);
        }
    });

    it("use documented cmdlet parameters", function () {
        let checkedCalls = 0;
        for (const file of inspection.files) {
            for (const call of file.commands) {
                const cmdlet = documented[call.name.toLowerCase()];
                if (cmdlet === undefined || cmdlet.parameterSets.length === 0) {
                    continue;
                }
                checkedCalls += 1;
                expect(
                    call.splatted,
                    `${path.basename(file.path)}:${call.line} ${call.name} is splatted`,
                ).to.equal(false);
                expect(
                    fitsOneSet(cmdlet, call.parameters),
                    `${path.basename(file.path)}:${call.line} ${call.name} -${call.parameters.join(" -")}`,
                ).to.equal(true);
            }
        }
        expect(checkedCalls, "calls of documented cmdlets").to.be.greaterThan(10);
    });

    it("cover every operation", function () {
        const names = inspection.files.map((file) => path.basename(file.path, ".ps1"));
        expect(names).to.include.members([
            "get-host-facts",
            "get-hns-endpoints",
            "read-daemon-json",
            "write-daemon-json",
            "restart-container-services",
        ]);
    });
});

describe("PowerShell 7 syntax check", function () {
    let pwsh: string;

    before(function () {
        const found = findPwsh();
        requireOrSkip(
            this,
            "pwsh",
            found !== undefined,
            "install it with: dotnet tool install --global PowerShell --version 7.6.10",
        );
        pwsh = found as string;
    });

    const samples: [string, string][] = [
        ["ternary.ps1", "ternary operator"],
        ["null-coalescing.ps1", "null-coalescing operator"],
        ["null-coalescing-assignment.ps1", "null-coalescing assignment"],
        ["null-conditional-member.ps1", "null-conditional member access"],
        ["null-conditional-index.ps1", "null-conditional index"],
        ["pipeline-chain-and.ps1", "pipeline chain operator"],
        ["pipeline-chain-or.ps1", "pipeline chain operator"],
        ["foreach-parallel.ps1", "parameter -Parallel"],
        ["as-hashtable.ps1", "parameter -AsHashtable"],
        ["enums-as-strings.ps1", "parameter -EnumsAsStrings"],
        ["as-array.ps1", "parameter -AsArray"],
        ["clean-block.ps1", "clean block"],
    ];

    it("catches each construct", async function () {
        const files = samples.map(([file]) => path.join(SEVEN_ONLY_SAMPLES, file));
        const inspection = await runPwshJson<Inspection>(pwsh, INSPECTOR, files);
        for (const [index, [file, rule]] of samples.entries()) {
            const rules = inspection.files[index].findings.map((finding) => finding.rule);
            expect(rules, file).to.include(rule);
        }
    });
});

describe("simulated cmdlets", function () {
    it("use documented parameter sets", async function () {
        const pwsh = findPwsh();
        requireOrSkip(
            this,
            "pwsh",
            pwsh !== undefined,
            "install it with: dotnet tool install --global PowerShell --version 7.6.10",
        );
        const folder = mkdtempSync(path.join(os.tmpdir(), "wcn-sim-cmdlets-"));
        let listing: {
            commands: { name: string; parameterSets: { name: string; parameters: string[] }[] }[];
        };
        try {
            const statePath = path.join(folder, "state.json");
            await resetHostState(statePath, "ws2022");
            listing = await runPwshJson(
                pwsh as string,
                path.join(TOOLS_DIRECTORY, "Get-WcnModuleParameters.ps1"),
                [SIMULATED_MODULE],
                {
                    WCN_SIM_STATE: statePath,
                },
            );
        } finally {
            rmSync(folder, { recursive: true, force: true });
        }
        const documented = loadDocumentedCmdlets();
        const windowsCmdlets = listing.commands.filter((command) => command.name !== "Test-WcnDockerEngine");
        expect(windowsCmdlets.length).to.be.greaterThan(8);
        for (const command of windowsCmdlets) {
            const cmdlet = documented[command.name.toLowerCase()];
            expect(cmdlet, `${command.name} is in the cmdlet reference`).to.not.equal(undefined);
            for (const set of command.parameterSets) {
                expect(
                    fitsOneSet(cmdlet, set.parameters),
                    `${command.name} set ${set.name}: -${set.parameters.join(" -")}`,
                ).to.equal(true);
            }
        }
    });
});
