# Operation read-daemon-json: returns the path and text of the Docker engine's daemon.json.
# Input: none (an empty object).

function Invoke-WcnOperationBody {
    param($OperationInput)
    $path = Get-WcnDaemonJsonPath
    $content = Read-WcnTextFile -Path $path
    return [ordered]@{ path = $path; exists = ($null -ne $content); content = $content }
}
