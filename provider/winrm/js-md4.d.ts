// Type declarations for the parts of js-md4 0.3.2 that this project calls. The package ships no
// types of its own.
declare module "js-md4" {
    interface Md4Hash {
        /** Computes MD4 over raw bytes in JavaScript, without Node's crypto module. */
        arrayBuffer(message: Uint8Array): ArrayBuffer;
    }
    const md4: Md4Hash;
    export = md4;
}
