import { OperationError } from "../../powershell/operation";
import type {
    NewVSwitchInput,
    OperationName,
    RemoveVSwitchInput,
    RemoveVSwitchResult,
    SetVmMacSpoofingInput,
    SetVmMacSpoofingResult,
    SetVSwitchInput,
    VSwitchResult,
} from "../../powershell/operations";
import type { HostState, VmSwitch } from "../model";
import { updateHostState } from "../state";
import {
    getVmNetworkAdapters,
    HyperVError,
    newVmSwitch,
    removeVmSwitches,
    setVmNetworkAdapterMacSpoofing,
    setVmSwitchManagementOS,
    switchesNamed,
    VIRTUALIZATION_EXCEPTION,
    viewSwitch,
} from "../vswitch";
import { removeHnsNetworks } from "./hns-cli";

/**
 * Twins of the vSwitch and VM operation scripts (new-vswitch, set-vswitch, remove-vswitch,
 * set-vm-mac-spoofing): each runs the script's steps on the state with the rules the simulated
 * cmdlets use, in one locked update, and fails with the error envelope the script prints.
 */

/** Hyper-V cmdlet, by the class name in its FullyQualifiedErrorId. */
const CMDLET_CLASSES: Record<string, string> = {
    "New-VMSwitch": "NewVMSwitch",
    "Set-VMSwitch": "SetVMSwitch",
    "Remove-VMSwitch": "RemoveVMSwitch",
    "Get-VMNetworkAdapter": "GetVMNetworkAdapter",
    "Set-VMNetworkAdapter": "SetVMNetworkAdapter",
};

function hexHResult(hresult: number): string {
    return `0x${(hresult >>> 0).toString(16).toUpperCase().padStart(8, "0")}`;
}

/** Win32 code of an HRESULT of facility FACILITY_WIN32, as the operation prelude reads it. */
function win32CodeOf(hresult: number): number | null {
    const unsigned = hresult >>> 0;
    const facility = (unsigned >>> 16) & 0x1fff;
    return unsigned >= 0x80000000 && facility === 7 ? unsigned & 0xffff : null;
}

/**
 * The envelope error a script prints when a simulated Hyper-V cmdlet fails: PowerShell appends
 * the function name to the error id of a record an advanced function raises.
 */
function cmdletFailure(operation: OperationName, cmdlet: string, error: HyperVError): OperationError {
    return new OperationError(operation, {
        message: error.message,
        category: error.category,
        hresult: hexHResult(error.hresult),
        win32Code: win32CodeOf(error.hresult),
        fullyQualifiedErrorId: `${error.errorId},Microsoft.HyperV.PowerShell.Commands.${CMDLET_CLASSES[cmdlet]},${cmdlet}`,
        exceptionType: VIRTUALIZATION_EXCEPTION,
    });
}

/** Runs `action` in one state update; a HyperVError becomes the failure of `cmdlet`. */
async function runCmdletSteps<T>(
    statePath: string,
    operation: OperationName,
    cmdlet: string,
    action: (state: HostState) => T,
): Promise<T> {
    try {
        return await updateHostState(statePath, action);
    } catch (error) {
        if (error instanceof HyperVError) {
            throw cmdletFailure(operation, cmdlet, error);
        }
        throw error;
    }
}

/** Builds a failure the script raises itself, with the HRESULT of the .NET exception type it uses. */
function scriptFailure(
    operation: OperationName,
    failure: { message: string; category: string; errorId: string; exceptionType: string; hresult: string },
): OperationError {
    return new OperationError(operation, {
        message: failure.message,
        category: failure.category,
        hresult: failure.hresult,
        win32Code: win32CodeOf(Number.parseInt(failure.hresult, 16)),
        fullyQualifiedErrorId: failure.errorId,
        exceptionType: failure.exceptionType,
    });
}

/** Builds the error of a script's input check, an ArgumentException thrown as it is. */
function inputFailure(operation: OperationName, message: string): OperationError {
    return scriptFailure(operation, {
        message,
        category: "OperationStopped",
        errorId: message,
        exceptionType: "System.ArgumentException",
        hresult: "0x80070057",
    });
}

/**
 * Finds the switch of this name and id as set-vswitch and remove-vswitch do. Returns undefined
 * when no switch has the name; throws VSwitchIdMismatch when none of that name has the id.
 */
function switchByNameAndId(
    state: HostState,
    operation: OperationName,
    name: string,
    id: string,
    outcome: string,
): VmSwitch | undefined {
    const named = switchesNamed(state, name);
    if (named.length === 0) {
        return undefined;
    }
    const match = named.find((vmSwitch) => vmSwitch.id.toLowerCase() === id.toLowerCase());
    if (match === undefined) {
        const actual = named.map((vmSwitch) => vmSwitch.id.toLowerCase()).join(", ");
        throw scriptFailure(operation, {
            message: `virtual switch '${name}' has id ${actual}, not ${id}: it was replaced after the request was made, so ${outcome}`,
            category: "InvalidOperation",
            errorId: "VSwitchIdMismatch",
            exceptionType: "System.InvalidOperationException",
            hresult: "0x80131509",
        });
    }
    return match;
}

export function newVSwitchTwin(statePath: string, input: NewVSwitchInput): Promise<VSwitchResult> {
    const name = input.name ?? "";
    if (name === "") {
        return Promise.reject(inputFailure("new-vswitch", "new-vswitch needs the switch name in name"));
    }
    const adapterNames = (input.adapterNames ?? []).filter((adapterName) => adapterName !== "");
    if (adapterNames.length === 0) {
        return Promise.reject(
            inputFailure(
                "new-vswitch",
                `new-vswitch needs at least one adapter name in adapterNames for switch '${name}'`,
            ),
        );
    }
    return runCmdletSteps(statePath, "new-vswitch", "New-VMSwitch", (state) => {
        const vmSwitch = newVmSwitch(state, {
            name,
            netAdapterNames: adapterNames,
            allowManagementOS: input.allowManagementOS === true,
            enableEmbeddedTeaming: adapterNames.length > 1,
            notes: input.notes ?? "",
        });
        return { switch: { ...viewSwitch(state, vmSwitch), Notes: vmSwitch.notes ?? "" } };
    });
}

export function setVSwitchTwin(statePath: string, input: SetVSwitchInput): Promise<VSwitchResult> {
    if (!input.name || !input.id) {
        return Promise.reject(
            inputFailure("set-vswitch", "set-vswitch needs the switch name in name and its GUID in id"),
        );
    }
    return runCmdletSteps(statePath, "set-vswitch", "Set-VMSwitch", (state) => {
        const vmSwitch = switchByNameAndId(state, "set-vswitch", input.name, input.id, "nothing was changed");
        if (vmSwitch === undefined) {
            throw scriptFailure("set-vswitch", {
                message: `virtual switch '${input.name}' was not found on the host, so nothing was changed`,
                category: "ObjectNotFound",
                errorId: "VSwitchNotFound",
                exceptionType: "System.Management.Automation.ItemNotFoundException",
                hresult: "0x80131501",
            });
        }
        setVmSwitchManagementOS(state, [vmSwitch], input.allowManagementOS === true);
        return { switch: { ...viewSwitch(state, vmSwitch), Notes: vmSwitch.notes ?? "" } };
    });
}

export function removeVSwitchTwin(
    statePath: string,
    input: RemoveVSwitchInput,
    absentCmdlets: readonly string[],
): Promise<RemoveVSwitchResult> {
    if (!input.name || !input.id) {
        return Promise.reject(
            inputFailure("remove-vswitch", "remove-vswitch needs the switch name in name and its GUID in id"),
        );
    }
    return runCmdletSteps(statePath, "remove-vswitch", "Remove-VMSwitch", (state) => {
        const vmSwitch = switchByNameAndId(
            state,
            "remove-vswitch",
            input.name,
            input.id,
            "nothing was removed",
        );
        if (vmSwitch === undefined) {
            return { removed: false, removedHnsNetworks: [] };
        }
        let removedHnsNetworks: string[] = [];
        if (input.removeSwitchNetworks) {
            if (absentCmdlets.includes("Get-HnsNetwork")) {
                throw scriptFailure("remove-vswitch", {
                    message:
                        `Get-HnsNetwork is not available on this host, so the HNS networks of switch '${vmSwitch.name}' ` +
                        "cannot be removed: import the HostNetworkingService module or set removeSwitchNetworks to false",
                    category: "ObjectNotFound",
                    errorId: "HnsCommandNotFound",
                    exceptionType: "System.Management.Automation.CommandNotFoundException",
                    hresult: "0x80131501",
                });
            }
            const adapterNames = vmSwitch.netAdapterNames.map((adapterName) => adapterName.toLowerCase());
            const ids = state.hnsNetworks
                .filter(
                    (network) =>
                        network.name.toLowerCase() === vmSwitch.name.toLowerCase() &&
                        network.type.toLowerCase() === "transparent" &&
                        adapterNames.includes((network.networkAdapterName ?? "").toLowerCase()),
                )
                .map((network) => network.id);
            removedHnsNetworks = removeHnsNetworks(state, ids).removed;
        }
        removeVmSwitches(state, [vmSwitch]);
        return { removed: true, removedHnsNetworks };
    });
}

export async function setVmMacSpoofingTwin(
    statePath: string,
    input: SetVmMacSpoofingInput,
): Promise<SetVmMacSpoofingResult> {
    if (!input.vmName) {
        throw inputFailure(
            "set-vm-mac-spoofing",
            "set-vm-mac-spoofing needs the virtual machine name in vmName",
        );
    }
    const value = input.enabled ? "On" : "Off";
    return runCmdletSteps(statePath, "set-vm-mac-spoofing", "Get-VMNetworkAdapter", (state) => {
        const different = getVmNetworkAdapters(state, [input.vmName]).filter(
            (adapter) => adapter.MacAddressSpoofing !== value,
        );
        setVmNetworkAdapterMacSpoofing(
            state,
            different.map((adapter) => ({ vmName: adapter.VMName, adapterName: adapter.Name })),
            value,
        );
        return { adapters: getVmNetworkAdapters(state, [input.vmName]), changed: different.length > 0 };
    });
}
