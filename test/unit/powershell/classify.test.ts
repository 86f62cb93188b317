import { expect } from "chai";
import { parseErrorRecords, type ParsedErrorRecord } from "../../../provider/host/textFormats";
import {
    categoryName,
    classifyPowerShellError,
    commandFromErrorId,
    type HostErrorContext,
    type HostErrorKind,
    type PowerShellErrorEnvelope,
    type RetryAdvice,
} from "../../../provider/powershell/classify";
import type { OperationFailure } from "../../../provider/powershell/operation";
import { fixtureLine, readFixtureSections } from "../host/fixtureSections";

interface ClassifyCase {
    name: string;
    envelope: () => PowerShellErrorEnvelope;
    context?: HostErrorContext;
    kind: HostErrorKind;
    retry: RetryAdvice;
    win32Code?: string;
    command?: string;
    /** Parts of the message the user relies on. */
    message: RegExp[];
}

/** The error records printed in one fixture section. */
function records(caseId: string, section: number): ParsedErrorRecord[] {
    return parseErrorRecords(readFixtureSections(caseId)[section]);
}

/** An envelope whose message is the one posted line of the fixture that contains `needle`. */
function lineEnvelope(caseId: string, needle: string): () => PowerShellErrorEnvelope {
    return () => ({ message: fixtureLine(caseId, needle) });
}

const NAT_PREFIX = /NAT prefix is invalid or overlaps/;
const UPLINK = /rejected the uplink/;
const EXISTS = /already exists on the host/;
const PORT = /host port is already in use/;

const CASES: ClassifyCase[] = [
    {
        name: "C15 New-NetNat CimException 87",
        envelope: () => records("C15", 1)[0],
        kind: "nat-prefix-invalid",
        retry: "never",
        win32Code: "0x57",
        command: "New-NetNat",
        message: [NAT_PREFIX, /InternalIPInterfaceAddressPrefix/, /Windows System Error 87,New-NetNat/],
    },
    {
        name: "C15b New-NetNat in a lab script",
        envelope: () => records("C15b", 0)[0],
        kind: "nat-prefix-invalid",
        retry: "never",
        win32Code: "0x57",
        command: "New-NetNat",
        message: [NAT_PREFIX, /one WinNAT per host/],
    },
    {
        name: "C17 duplicate name without code",
        envelope: () => records("C17", 1)[0],
        kind: "already-exists",
        retry: "bounded",
        message: [EXISTS, /Get-HnsNetwork, Get-NetNat/, /duplicate name exists/],
    },
    {
        name: "C17 duplicate name by code in German",
        envelope: () => ({
            message: "Sie wurden nicht verbunden, da ein doppelter Name im Netzwerk vorhanden ist.",
            fullyQualifiedErrorId: "Windows System Error 52,New-NetNat",
            category: "NotSpecified",
        }),
        kind: "already-exists",
        retry: "bounded",
        win32Code: "0x34",
        command: "New-NetNat",
        message: [EXISTS],
    },
    {
        name: "C18 0x57 on a host vNIC uplink",
        envelope: lineEnvelope("C18", "(0x57)"),
        context: {
            action: "create-network",
            networkType: "transparent",
            adapterName: "vEthernet (prodSwitch)",
        },
        kind: "uplink-invalid",
        retry: "never",
        win32Code: "0x57",
        message: [UPLINK, /"vEthernet \(prodSwitch\)"/, /not a Hyper-V host vNIC/, /adopt that switch/],
    },
    {
        name: "C07 capital P without code",
        envelope: lineEnvelope("C07", "The Parameter is incorrect."),
        context: { action: "create-network", networkType: "transparent" },
        kind: "uplink-invalid",
        retry: "never",
        win32Code: undefined,
        message: [UPLINK, /the chosen adapter/],
    },
    {
        name: "C42 0x57 creating the default nat network",
        envelope: lineEnvelope("C42", "The parameter is incorrect."),
        context: { action: "create-network", networkType: "nat" },
        kind: "nat-prefix-invalid",
        retry: "never",
        message: [NAT_PREFIX, /another NAT network may already exist/],
    },
    {
        name: "C35 Remove-ContainerNetwork on an orphan",
        envelope: () => records("C35", 0)[0],
        kind: "invalid-parameter",
        retry: "never",
        command: "Remove-ContainerNetwork",
        message: [/orphan/, /delete it by its Id/, /RemoveContainerNetwork/],
    },
    {
        name: "C22 0x20 in Portuguese",
        envelope: lineEnvelope("C22", "O arquivo"),
        context: { action: "create-endpoint" },
        kind: "port-in-use",
        retry: "never",
        win32Code: "0x20",
        message: [PORT, /Get-NetTCPConnection -State Listen/, /O arquivo já está sendo usado/],
    },
    {
        name: "C22 0x20 through hnsCallRawResponse",
        envelope: lineEnvelope("C22", "failed to create endpoint X on network nat"),
        kind: "port-in-use",
        retry: "never",
        win32Code: "0x20",
        message: [PORT],
    },
    {
        name: "C22 paraphrase without code",
        envelope: lineEnvelope("C22", "The file as been used by another process"),
        kind: "port-in-use",
        retry: "never",
        message: [PORT],
    },
    {
        name: "C23 unspecified error on an endpoint",
        envelope: lineEnvelope("C23", "determined_curran"),
        context: { action: "create-endpoint" },
        kind: "unspecified",
        retry: "bounded",
        message: [/HNS gave no reason/, /published host port is taken/],
    },
    {
        name: "C14 unspecified error on a second nat network",
        envelope: lineEnvelope("C14", "Unspecified error"),
        kind: "unspecified",
        retry: "bounded",
        message: [/second NAT network outside the WinNAT prefix/],
    },
    {
        name: "C12b object already exists",
        envelope: lineEnvelope("C12b", "The object already exists."),
        kind: "already-exists",
        retry: "bounded",
        message: [EXISTS, /adopt or remove the conflicting object/],
    },
    {
        name: "C13 object already exists",
        envelope: lineEnvelope("C13", "The object already exists."),
        kind: "already-exists",
        retry: "bounded",
        message: [EXISTS],
    },
    {
        name: "C26 object already exists after delete",
        envelope: lineEnvelope("C26", "The object already exists."),
        kind: "already-exists",
        retry: "bounded",
        message: [/Right after a delete, wait and retry/, /may need a reboot/],
    },
    {
        name: "C26 parameter incorrect after re-create",
        envelope: lineEnvelope("C26", "The parameter is incorrect."),
        context: { action: "create-network", networkType: "transparent" },
        kind: "uplink-invalid",
        retry: "never",
        message: [UPLINK],
    },
    {
        name: "C25 network name already exists",
        envelope: () => ({
            message: "hnsCall failed in Win32: A network with this name already exists.",
        }),
        kind: "already-exists",
        retry: "bounded",
        message: [EXISTS],
    },
    {
        name: "C32 Set-VMSwitch OperationFailed",
        envelope: () => records("C32", 0)[0],
        kind: "switch-operation-failed",
        retry: "never",
        command: "Set-VMSwitch",
        message: [
            /Hyper-V could not change the switch/,
            /Send only the settings that changed/,
            /OperationFailed,Microsoft\.HyperV\.PowerShell\.Commands\.SetVMSwitch/,
        ],
    },
    {
        name: "C32 NetAdapterName list rejected",
        envelope: () => ({
            ...records("C32", 1)[0],
            exceptionType: "System.Management.Automation.ParameterBindingException",
            fullyQualifiedErrorId: "CannotConvertArgument,Microsoft.HyperV.PowerShell.Commands.SetVMSwitch",
        }),
        kind: "parameter-binding",
        retry: "never",
        command: "Set-VMSwitch",
        message: [/bug in the operation script/, /NetAdapterName/],
    },
    {
        name: "C33 ObjectInUse with localized text",
        envelope: () => records("C33", 1)[0],
        context: { adapterName: "WajFaj" },
        kind: "in-use",
        retry: "never",
        command: "New-VMSwitch",
        message: [/"WajFaj" is in use/, /already bound to another external switch/, /ObjectInUse/],
    },
    {
        name: "C33 bind failed element not found",
        envelope: () => records("C33", 2)[0],
        kind: "element-not-found",
        retry: "never",
        win32Code: "0x490",
        command: "Set-VMSwitch",
        message: [/cannot be bound/, /Wi-Fi adapters often cannot/],
    },
    {
        name: "C33 ValidateSet on SwitchType",
        envelope: () => ({
            ...records("C33", 4)[0],
            category: "InvalidData",
            exceptionType: "System.Management.Automation.ParameterBindingValidationException",
            fullyQualifiedErrorId:
                "ParameterArgumentValidationError,Microsoft.HyperV.PowerShell.Commands.NewVMSwitch",
        }),
        kind: "parameter-binding",
        retry: "never",
        command: "New-VMSwitch",
        message: [/bug in the operation script/, /ValidateSet/],
    },
    {
        name: "RPC failure is transient",
        envelope: () => ({ message: "hnsCall failed in Win32: The remote procedure call failed. (0x6be)" }),
        kind: "rpc-failed",
        retry: "backoff",
        win32Code: "0x6be",
        message: [/retry once the hns service is running/],
    },
    {
        name: "access denied by HRESULT",
        envelope: () => ({ message: "Zugriff verweigert", hresult: -2147024891 }),
        kind: "access-denied",
        retry: "never",
        win32Code: "0x5",
        message: [/Administrators/],
    },
    {
        name: "access denied by category",
        envelope: () => ({ message: "x", category: 18, exceptionType: "System.UnauthorizedAccessException" }),
        kind: "access-denied",
        retry: "never",
        message: [/access was denied/],
    },
    {
        name: "C42 failed to create network",
        envelope: lineEnvelope(
            "C42",
            "Error response from daemon: HNS failed with error : Failed to create network",
        ),
        kind: "unknown",
        retry: "never",
        message: [/not one the provider recognizes/, /Failed to create network/],
    },
    {
        name: "C42 failed to create endpoint",
        envelope: lineEnvelope("C42", "Failed to create endpoint"),
        kind: "unknown",
        retry: "never",
        message: [/Failed to create endpoint/],
    },
    {
        name: "C39 null ipam driver is no Windows error",
        envelope: lineEnvelope("C39", "null ipam driver"),
        kind: "unknown",
        retry: "never",
        message: [/null ipam driver/],
    },
    {
        name: "C30 missing plugin is no Windows error",
        envelope: lineEnvelope("C30", 'plugin "transparent" not found'),
        kind: "unknown",
        retry: "never",
        message: [/plugin "transparent" not found/],
    },
];

describe("classifyPowerShellError", () => {
    describe("classifies the posted errors", () => {
        for (const item of CASES) {
            it(item.name, () => {
                const envelope = item.envelope();
                const result = classifyPowerShellError(envelope, item.context);
                expect(result.kind, "kind").to.equal(item.kind);
                expect(result.retry, "retry").to.equal(item.retry);
                expect(result.retryable, "retryable").to.equal(item.retry !== "never");
                expect(result.hostMessage, "hostMessage").to.equal(envelope.message.trim());
                if ("win32Code" in item) {
                    expect(result.win32Code, "win32Code").to.equal(item.win32Code);
                }
                if (item.command !== undefined) {
                    expect(result.command, "command").to.equal(item.command);
                }
                for (const pattern of item.message) {
                    expect(result.message).to.match(pattern);
                }
            });
        }
    });

    describe("C20 every 0x57 wording is one uplink class", () => {
        const sections = readFixtureSections("C20");
        for (const [index, section] of sections.entries()) {
            it(`wording ${index + 1}`, () => {
                const line = section.split("\n").find((text) => /parameter is incorrect/i.test(text));
                expect(line, "posted error line").to.be.a("string");
                const result = classifyPowerShellError(
                    { message: line as string },
                    { action: "create-network", networkType: "l2bridge", adapterName: "Wi-Fi" },
                );
                expect(result.kind).to.equal("uplink-invalid");
                expect(result.message).to.match(/"Wi-Fi"/);
                expect(result.message).to.match(/not Wi-Fi/);
            });
        }
    });

    describe("prefers codes over English text", () => {
        it("a localized 0x57 from New-NetNat", () => {
            const result = classifyPowerShellError({
                message: "O parâmetro está incorreto.",
                win32Code: 87,
                fullyQualifiedErrorId: "Windows System Error 87,New-NetNat",
            });
            expect(result.kind).to.equal("nat-prefix-invalid");
        });

        it("a win32Code over misleading text", () => {
            const result = classifyPowerShellError({
                message: "The object already exists.",
                win32Code: "0x20",
            });
            expect(result.kind).to.equal("port-in-use");
        });

        it("a localized message without code stays unknown", () => {
            const result = classifyPowerShellError({ message: "O objeto já existe." });
            expect(result.kind).to.equal("unknown");
        });

        it("ignores the .NET HRESULT of a plain exception", () => {
            const result = classifyPowerShellError({ message: "Unspecified error", hresult: -2146233088 });
            expect(result.kind).to.equal("unspecified");
            expect(result.hresult).to.equal("0x80131500");
            expect(result.win32Code).to.equal(undefined);
        });

        it("reports E_FAIL as an HRESULT only", () => {
            const result = classifyPowerShellError({
                message: "Error no especificado",
                hresult: -2147467259,
            });
            expect(result.kind).to.equal("unspecified");
            expect(result.hresult).to.equal("0x80004005");
            expect(result.win32Code).to.equal(undefined);
        });

        it("reads an operation's failure envelope", () => {
            const failure: OperationFailure = {
                message: "The parameter is incorrect.",
                category: "InvalidArgument",
                hresult: "0x80070057",
                win32Code: 87,
                fullyQualifiedErrorId: "Windows System Error 87,New-NetNat",
                exceptionType: "Microsoft.Management.Infrastructure.CimException",
            };
            const result = classifyPowerShellError(failure);
            expect(result.kind).to.equal("nat-prefix-invalid");
            expect(result.hresult).to.equal("0x80070057");
            expect(result.win32Code).to.equal("0x57");
        });

        it("reads an empty error id as none", () => {
            const result = classifyPowerShellError({
                message: "x",
                fullyQualifiedErrorId: "",
                win32Code: null,
            });
            expect(result.fullyQualifiedErrorId).to.equal(undefined);
            expect(result.kind).to.equal("unknown");
        });

        it("reads a decimal win32Code given as text", () => {
            expect(classifyPowerShellError({ message: "x", win32Code: "1168" }).kind).to.equal(
                "element-not-found",
            );
        });

        it("reads a WinRM HRESULT in the message", () => {
            const result = classifyPowerShellError({
                message: "The WinRM client received an HRESULT 0x80070005 from the service",
            });
            expect(result.kind).to.equal("access-denied");
        });
    });

    describe("names the operation and host", () => {
        it("with context", () => {
            const result = classifyPowerShellError(
                { message: "The parameter is incorrect.", win32Code: 87 },
                { host: "web-01", operation: 'create network "lan"', action: "create-network" },
            );
            expect(result.message).to.match(/^create network "lan" on host web-01 failed: /);
        });

        it("without context uses the command", () => {
            const result = classifyPowerShellError(records("C15", 1)[0]);
            expect(result.message).to.match(/^New-NetNat failed: /);
        });
    });
});

describe("categoryName", () => {
    it("maps a number", () => {
        expect(categoryName(19)).to.equal("ResourceBusy");
    });

    it("maps numeric text", () => {
        expect(categoryName("13")).to.equal("ObjectNotFound");
    });

    it("keeps a name", () => {
        expect(categoryName("InvalidArgument")).to.equal("InvalidArgument");
    });

    it("treats null as absent", () => {
        expect(categoryName(null)).to.equal(undefined);
    });
});

describe("commandFromErrorId", () => {
    const CASES: [string, string | undefined][] = [
        ["Windows System Error 87,New-NetNat", "New-NetNat"],
        ["OperationFailed,Microsoft.HyperV.PowerShell.Commands.SetVMSwitch", "Set-VMSwitch"],
        [
            "OperationFailed,Microsoft.Containers.PowerShell.Cmdlets.RemoveContainerNetwork",
            "Remove-ContainerNetwork",
        ],
        ["ObjectInUse,Microsoft.HyperV.PowerShell.Commands.NewVMSwitch", "New-VMSwitch"],
        ["NativeCommandError", undefined],
    ];
    for (const [errorId, command] of CASES) {
        it(errorId, () => {
            expect(commandFromErrorId(errorId)).to.equal(command);
        });
    }
});
