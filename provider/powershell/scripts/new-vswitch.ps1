# Operation new-vswitch: creates an external Hyper-V switch with New-VMSwitch and prints it as
# Get-VMSwitch shows it. Input: name, adapterNames (one or more Get-NetAdapter names; several
# make a SET team with -EnableEmbeddedTeaming), allowManagementOS and optional notes (the switch's
# Notes). Hyper-V's errors, such as an adapter already bound to another external switch, pass
# through with their Windows text.

function Invoke-WcnOperationBody {
    param($OperationInput)
    $name = [string]$OperationInput.name
    if ([string]::IsNullOrEmpty($name)) {
        throw (New-Object -TypeName ArgumentException -ArgumentList 'new-vswitch needs the switch name in name')
    }
    $adapterNames = @()
    foreach ($adapterName in @($OperationInput.adapterNames)) {
        if (-not [string]::IsNullOrEmpty([string]$adapterName)) {
            $adapterNames += [string]$adapterName
        }
    }
    if ($adapterNames.Count -eq 0) {
        throw (New-Object -TypeName ArgumentException -ArgumentList "new-vswitch needs at least one adapter name in adapterNames for switch '$name'")
    }
    $allowManagementOS = [bool]$OperationInput.allowManagementOS
    # An empty string is the Notes value of a switch made without -Notes.
    $notes = ''
    if ($null -ne $OperationInput.notes) {
        $notes = [string]$OperationInput.notes
    }

    if ($adapterNames.Count -gt 1) {
        $created = New-VMSwitch -Name $name -NetAdapterName $adapterNames -AllowManagementOS $allowManagementOS -Notes $notes -EnableEmbeddedTeaming $true
    } else {
        $created = New-VMSwitch -Name $name -NetAdapterName $adapterNames -AllowManagementOS $allowManagementOS -Notes $notes
    }
    return [ordered]@{ switch = (ConvertTo-WcnVmSwitchState -VmSwitch $created) }
}
