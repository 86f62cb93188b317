# Operation write-daemon-json: sets and removes top-level keys of daemon.json and keeps every
# other key and its value. Input: set (an object of key and JSON value pairs) and remove (an array
# of key names). When no value changes, the file is left untouched, byte for byte. Otherwise the
# file is written again as indented JSON, so its formatting changes but no unmanaged key does.
# The prelude's Get-WcnDaemonJsonEdit computes the new text.

function Invoke-WcnOperationBody {
    param($OperationInput)
    $edit = Get-WcnDaemonJsonEdit -Set $OperationInput.set -Remove $OperationInput.remove
    if ($edit.changed) {
        Write-WcnTextFile -Path $edit.path -Text $edit.newContent
    }
    return $edit
}
