import { deleteHnsNetwork } from "../hns";
import type { HostState } from "../model";
import { updateHostState } from "../state";

/**
 * Command line the simulated `Remove-HnsNetwork` (WcnSimulatedHost.psm1) calls to remove HNS
 * networks by id. It changes the state file under its proper-lockfile lock with the simulator's
 * HNS rules and prints `{ "removed": [ids], "notFound": [ids] }` as JSON.
 */

const USAGE =
    "usage: node dist/provider/simulator/powershell/hns-cli.js remove-network --state FILE --id ID [--id ID ...]\n";

interface RemoveNetworksCommand {
    statePath: string;
    ids: string[];
}

/** Ids removed and ids that matched no HNS network, in request order. */
export interface HnsRemoval {
    removed: string[];
    notFound: string[];
}

function parseCommand(argv: readonly string[]): RemoveNetworksCommand {
    const [action, ...rest] = argv;
    if (action !== "remove-network") {
        throw new Error(`unknown action "${action ?? ""}": expected remove-network`);
    }
    let statePath: string | undefined;
    const ids: string[] = [];
    for (let index = 0; index < rest.length; index += 2) {
        const option = rest[index];
        const value = rest[index + 1];
        if (value === undefined) {
            throw new Error(`option ${option} needs a value`);
        }
        if (option === "--state") {
            statePath = value;
        } else if (option === "--id") {
            ids.push(value);
        } else {
            throw new Error(`unknown option ${option}`);
        }
    }
    if (statePath === undefined) {
        throw new Error("--state FILE is required");
    }
    if (ids.length === 0) {
        throw new Error("at least one --id ID is required");
    }
    return { statePath, ids };
}

/**
 * Removes the HNS networks with these ids (matched in either case) from the state with the
 * simulator's HNS rules: their endpoints go with them, and on WinNAT hosts the last NAT network
 * takes the WinNAT. Ids of networks that do not exist are returned in `notFound`.
 */
export function removeHnsNetworks(state: HostState, ids: readonly string[]): HnsRemoval {
    const removal: HnsRemoval = { removed: [], notFound: [] };
    for (const id of ids) {
        const network = deleteHnsNetwork(state, id);
        if (network === undefined) {
            removal.notFound.push(id);
        } else {
            removal.removed.push(network.id);
        }
    }
    return removal;
}

async function main(argv: readonly string[]): Promise<void> {
    let command: RemoveNetworksCommand;
    try {
        command = parseCommand(argv);
    } catch (error) {
        process.stderr.write(`error: ${(error as Error).message}\n${USAGE}`);
        process.exitCode = 2;
        return;
    }
    try {
        const removal = await updateHostState(command.statePath, (state) =>
            removeHnsNetworks(state, command.ids),
        );
        process.stdout.write(`${JSON.stringify(removal)}\n`);
    } catch (error) {
        process.stderr.write(`error: ${(error as Error).message}\n`);
        process.exitCode = 1;
    }
}

if (require.main === module) {
    void main(process.argv.slice(2));
}
