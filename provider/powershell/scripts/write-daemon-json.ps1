# Operation write-daemon-json: sets and removes top-level keys of daemon.json and keeps every
# other key and its value. Input: set (an object of key and JSON value pairs) and remove (an array
# of key names). When no value changes, the file is left untouched, byte for byte. Otherwise the
# file is written again as indented JSON, so its formatting changes but no unmanaged key does.
# NOTE: PowerShell compares property names without case, so keys that differ only in case
# ("bridge" and "Bridge") are one key here.

function ConvertFrom-WcnDaemonJson {
    param([string]$Path, $Content)
    if ($null -eq $Content -or $Content.Trim() -eq '') {
        return (New-Object -TypeName PSObject)
    }
    try {
        $parsed = ConvertFrom-Json -InputObject $Content
    } catch {
        throw (New-Object -TypeName IO.InvalidDataException -ArgumentList ("daemon.json at $Path is not valid JSON, so it was not changed: " + $_.Exception.Message))
    }
    if ($parsed -isnot [PSCustomObject]) {
        throw (New-Object -TypeName IO.InvalidDataException -ArgumentList "daemon.json at $Path does not contain a JSON object, so it was not changed")
    }
    return $parsed
}

function Set-WcnJsonProperty {
    param($Object, [string]$Name, $Value)
    # An existing key keeps its place in the file; a new key goes at the end.
    $existing = $Object.PSObject.Properties[$Name]
    if ($null -ne $existing) {
        $existing.Value = $Value
        return
    }
    Add-Member -InputObject $Object -MemberType NoteProperty -Name $Name -Value $Value
}

function Invoke-WcnOperationBody {
    param($OperationInput)
    $path = Get-WcnDaemonJsonPath
    $oldContent = Read-WcnTextFile -Path $path
    $config = ConvertFrom-WcnDaemonJson -Path $path -Content $oldContent
    $before = ConvertTo-Json -InputObject $config -Depth 10 -Compress

    if ($null -ne $OperationInput.set) {
        foreach ($property in $OperationInput.set.PSObject.Properties) {
            Set-WcnJsonProperty -Object $config -Name $property.Name -Value $property.Value
        }
    }
    foreach ($name in @($OperationInput.remove)) {
        if ($null -ne $name -and $null -ne $config.PSObject.Properties[[string]$name]) {
            $config.PSObject.Properties.Remove([string]$name)
        }
    }

    $after = ConvertTo-Json -InputObject $config -Depth 10 -Compress
    if ($after -ceq $before -and $null -ne $oldContent) {
        return [ordered]@{ path = $path; changed = $false; oldContent = $oldContent; newContent = $oldContent }
    }
    $newContent = ConvertTo-Json -InputObject $config -Depth 10
    Write-WcnTextFile -Path $path -Text $newContent
    return [ordered]@{ path = $path; changed = $true; oldContent = $oldContent; newContent = $newContent }
}
