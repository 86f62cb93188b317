// Entry point of the dynamic-provider server process, which provider-server.ts starts as
//   node dynamic-provider-entry.js <server script> <engine address>
// It ends the process when its stdin, a pipe whose only write end the driver holds, reaches end of file. That
// happens whenever the driver's process ends, also on SIGKILL, where no handler of the driver runs. A provider
// call that is still running is cut off at that point. The SDK's server script then runs in this process with
// the argv it expects: the script in argv[1] and the engine address in argv[2].
export {};

const [scriptPath, ...serverArguments] = process.argv.slice(2);
if (scriptPath === undefined) {
    process.stderr.write("usage: node dynamic-provider-entry.js <server script> <engine address>\n");
    process.exit(2);
}

// Exit code 1: the server did not stop on request but lost the driver.
process.stdin.on("end", () => process.exit(1));
process.stdin.on("error", () => process.exit(1));
process.stdin.resume();

process.argv = [process.argv[0], scriptPath, ...serverArguments];
require(scriptPath);
