# Operation set-vswitch: turns management OS access of a switch on or off. Input: name, id (the
# lower-case GUID the switch had when the request was made) and allowManagementOS. The operation
# fails before it changes anything when no switch has that name or the switch of that name has
# another id. Prints the switch as Get-VMSwitch shows it afterwards.

# Returns the switch with this name and id. Throws when no switch has the name (VSwitchNotFound)
# or none of that name has the id (VSwitchIdMismatch). Names compare without case, as in Hyper-V.
function Get-WcnSwitchByNameAndId {
    param([string]$Name, [string]$Id)
    $named = @(Get-VMSwitch | Where-Object { [string]$_.Name -eq $Name })
    if ($named.Count -eq 0) {
        $exception = New-Object -TypeName Management.Automation.ItemNotFoundException -ArgumentList "virtual switch '$Name' was not found on the host, so nothing was changed"
        throw (New-Object -TypeName Management.Automation.ErrorRecord -ArgumentList $exception, 'VSwitchNotFound', 'ObjectNotFound', $Name)
    }
    $matching = @($named | Where-Object { ([string]$_.Id).ToLowerInvariant() -eq $Id.ToLowerInvariant() })
    if ($matching.Count -eq 0) {
        $actual = ($named | ForEach-Object { ([string]$_.Id).ToLowerInvariant() }) -join ', '
        $exception = New-Object -TypeName InvalidOperationException -ArgumentList "virtual switch '$Name' has id $actual, not $Id`: it was replaced after the request was made, so nothing was changed"
        throw (New-Object -TypeName Management.Automation.ErrorRecord -ArgumentList $exception, 'VSwitchIdMismatch', 'InvalidOperation', $Name)
    }
    return $matching[0]
}

function Invoke-WcnOperationBody {
    param($OperationInput)
    $name = [string]$OperationInput.name
    $id = [string]$OperationInput.id
    if ([string]::IsNullOrEmpty($name) -or [string]::IsNullOrEmpty($id)) {
        throw (New-Object -TypeName ArgumentException -ArgumentList 'set-vswitch needs the switch name in name and its GUID in id')
    }
    $allowManagementOS = [bool]$OperationInput.allowManagementOS

    $vmSwitch = Get-WcnSwitchByNameAndId -Name $name -Id $id
    if ([bool]$vmSwitch.AllowManagementOS -ne $allowManagementOS) {
        Set-VMSwitch -VMSwitch $vmSwitch -AllowManagementOS $allowManagementOS
        $vmSwitch = Get-WcnSwitchByNameAndId -Name $name -Id $id
    }
    return [ordered]@{ switch = (ConvertTo-WcnVmSwitchState -VmSwitch $vmSwitch) }
}
