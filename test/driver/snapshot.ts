// The state being built during one run. Resources registered by the program come first, in registration order,
// followed by earlier resources not registered (yet) in this run, in their earlier order. Registration order is a
// dependency order because the SDK sends a resource's registration only after the URNs of its dependencies
// resolve, so deleting in reverse state order never deletes a dependency before its dependents.
import { StateStore } from "./state";
import { PropertyMap, ResourceState, StackState } from "./types";

export class Snapshot {
    private readonly registered: ResourceState[] = [];
    private readonly remaining: ResourceState[];
    private stackOutputs: PropertyMap;

    /** With no store the snapshot lives in memory only, as for `preview` and `preview --refresh`. */
    constructor(
        private readonly base: StackState,
        private readonly store: StateStore | undefined,
    ) {
        this.remaining = base.resources.map((resource) => ({ ...resource }));
        this.stackOutputs = base.outputs ?? {};
    }

    get persistent(): boolean {
        return this.store !== undefined;
    }

    /** Returns the earlier, live (not pending-delete) entry for the URN, unless it was registered in this run. */
    prior(urn: string): ResourceState | undefined {
        return this.remaining.find((resource) => resource.urn === urn && !resource.delete);
    }

    /** Entries that the program did not register in this run, in state order. */
    unregistered(): ResourceState[] {
        return [...this.remaining];
    }

    all(): ResourceState[] {
        return [...this.registered, ...this.remaining];
    }

    /** Records a registered resource, replacing its earlier live entry, if any. */
    register(entry: ResourceState): void {
        const index = this.remaining.findIndex((resource) => resource.urn === entry.urn && !resource.delete);
        if (index >= 0) {
            this.remaining.splice(index, 1);
        }
        const registeredIndex = this.registered.findIndex((resource) => resource.urn === entry.urn);
        if (registeredIndex >= 0) {
            this.registered[registeredIndex] = entry;
        } else {
            this.registered.push(entry);
        }
    }

    /** Marks the earlier entry as the old object of a create-before-delete replacement. */
    markPendingDelete(entry: ResourceState): void {
        entry.delete = true;
    }

    /** Replaces an entry in place, keeping its position (refresh). */
    replace(entry: ResourceState, next: ResourceState): void {
        for (const list of [this.registered, this.remaining]) {
            const index = list.indexOf(entry);
            if (index >= 0) {
                list[index] = next;
                return;
            }
        }
    }

    remove(entry: ResourceState): void {
        for (const list of [this.registered, this.remaining]) {
            const index = list.indexOf(entry);
            if (index >= 0) {
                list.splice(index, 1);
                return;
            }
        }
    }

    get outputs(): PropertyMap {
        return this.stackOutputs;
    }

    set outputs(outputs: PropertyMap) {
        this.stackOutputs = outputs;
    }

    toState(): StackState {
        return { ...this.base, resources: this.all(), outputs: this.stackOutputs };
    }

    /** Writes the state file after a step, so that a later failure loses nothing; a no-op in memory. */
    save(): void {
        this.store?.save(this.toState());
    }
}
