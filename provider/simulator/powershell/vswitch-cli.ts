import type { HostState } from "../model";
import { updateHostState } from "../state";
import {
    HyperVError,
    newVmSwitch,
    removeVmSwitches,
    selectSwitches,
    setVmNetworkAdapterMacSpoofing,
    setVmSwitchManagementOS,
    viewSwitch,
} from "../vswitch";

/**
 * Command line the simulated Hyper-V cmdlets (WcnSimulatedHost.psm1) call to change switches and
 * VM network adapters. It changes the state file under its proper-lockfile lock with the rules of
 * vswitch.ts and prints `{"ok": true, "result": ...}`, or `{"ok": false, "error": {message,
 * category, errorId, hresult}}` for a request Hyper-V rejects, from which the cmdlet builds its
 * error record. The request is base64-encoded JSON, so no argument quoting can change it.
 */

const USAGE =
    "usage: node dist/provider/simulator/powershell/vswitch-cli.js " +
    "new-switch|set-switch|remove-switch|set-vm-adapter --state FILE --request BASE64_JSON\n";

const ACTIONS = ["new-switch", "set-switch", "remove-switch", "set-vm-adapter"] as const;

type VSwitchAction = (typeof ACTIONS)[number];

interface SwitchSelector {
    ids?: string[];
    names?: string[];
}

/** Applies one cmdlet request to the state and returns what the cmdlet prints. */
export function applyVSwitchRequest(state: HostState, action: VSwitchAction, request: unknown): unknown {
    const fields = request as Record<string, unknown>;
    switch (action) {
        case "new-switch":
            return viewSwitch(
                state,
                newVmSwitch(state, {
                    name: String(fields.name),
                    netAdapterNames: (fields.netAdapterNames as string[]).map(String),
                    allowManagementOS: fields.allowManagementOS === true,
                    enableEmbeddedTeaming: fields.enableEmbeddedTeaming === true,
                    notes: typeof fields.notes === "string" ? fields.notes : undefined,
                }),
            );
        case "set-switch": {
            const switches = selectSwitches(state, fields as SwitchSelector);
            if (typeof fields.allowManagementOS === "boolean") {
                setVmSwitchManagementOS(state, switches, fields.allowManagementOS);
            }
            return switches.map((vmSwitch) => viewSwitch(state, vmSwitch));
        }
        case "remove-switch": {
            const switches = selectSwitches(state, fields as SwitchSelector);
            removeVmSwitches(state, switches);
            return { removed: switches.map((vmSwitch) => vmSwitch.id) };
        }
        case "set-vm-adapter":
            return setVmNetworkAdapterMacSpoofing(
                state,
                fields.targets as { vmName: string; adapterName: string | null }[],
                fields.value === "On" ? "On" : "Off",
            );
    }
}

function parseCommand(argv: readonly string[]): {
    action: VSwitchAction;
    statePath: string;
    request: unknown;
} {
    const [action, ...rest] = argv;
    if (!(ACTIONS as readonly string[]).includes(action ?? "")) {
        throw new Error(`unknown action "${action ?? ""}": expected one of ${ACTIONS.join(", ")}`);
    }
    const options = new Map<string, string>();
    for (let index = 0; index < rest.length; index += 2) {
        const value = rest[index + 1];
        if (value === undefined) {
            throw new Error(`option ${rest[index]} needs a value`);
        }
        options.set(rest[index], value);
    }
    const statePath = options.get("--state");
    const encoded = options.get("--request");
    if (statePath === undefined || encoded === undefined) {
        throw new Error("--state FILE and --request BASE64_JSON are required");
    }
    const request: unknown = JSON.parse(Buffer.from(encoded, "base64").toString("utf8"));
    return { action: action as VSwitchAction, statePath, request };
}

async function main(argv: readonly string[]): Promise<void> {
    let command: ReturnType<typeof parseCommand>;
    try {
        command = parseCommand(argv);
    } catch (error) {
        process.stderr.write(`error: ${(error as Error).message}\n${USAGE}`);
        process.exitCode = 2;
        return;
    }
    try {
        const result = await updateHostState(command.statePath, (state) =>
            applyVSwitchRequest(state, command.action, command.request),
        );
        process.stdout.write(`${JSON.stringify({ ok: true, result })}\n`);
    } catch (error) {
        if (error instanceof HyperVError) {
            process.stdout.write(`${JSON.stringify({ ok: false, error: error.toJSON() })}\n`);
            return;
        }
        process.stderr.write(`error: ${(error as Error).message}\n`);
        process.exitCode = 1;
    }
}

if (require.main === module) {
    void main(process.argv.slice(2));
}
