# Imports a module and prints, as JSON, each exported command with its parameter sets and their
# parameter names (common parameters left out).
# Usage: pwsh -NoProfile -NonInteractive -File Get-WcnModuleParameters.ps1 MODULE
param([Parameter(Mandatory = $true)][string]$ModulePath)

$ErrorActionPreference = 'Stop'
$module = Import-Module -Name $ModulePath -PassThru -Force -DisableNameChecking
$common = @([System.Management.Automation.PSCmdlet]::CommonParameters) + @([System.Management.Automation.PSCmdlet]::OptionalCommonParameters)
$commands = @()
foreach ($command in $module.ExportedFunctions.Values) {
    $sets = @()
    foreach ($set in $command.ParameterSets) {
        $names = @($set.Parameters | Where-Object { $common -notcontains $_.Name } | ForEach-Object { $_.Name })
        $sets += [ordered]@{ name = $set.Name; parameters = $names }
    }
    $commands += [ordered]@{ name = $command.Name; parameterSets = $sets }
}
ConvertTo-Json -InputObject ([ordered]@{ commands = $commands }) -Depth 6 -Compress
