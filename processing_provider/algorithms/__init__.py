"""One Processing algorithm per module; this list is what the provider loads."""


def algorithm_classes():
    from .asset_packages import AssetPackagesAlgorithm, ValidatePackagesAlgorithm
    from .change_detect import ChangeDetectAlgorithm
    from .compliance_check import ComplianceCheckAlgorithm
    from .convert_codes import ConvertLandUseCodesAlgorithm
    from .plan_indicators import PlanIndicatorsAlgorithm
    from .structure_table import StructureTableAlgorithm
    from .survey_fit import SurveyFitAlgorithm

    return [ConvertLandUseCodesAlgorithm, StructureTableAlgorithm, ComplianceCheckAlgorithm,
            AssetPackagesAlgorithm, ValidatePackagesAlgorithm, ChangeDetectAlgorithm,
            PlanIndicatorsAlgorithm, SurveyFitAlgorithm]
