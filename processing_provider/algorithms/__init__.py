"""One Processing algorithm per module; this list is what the provider loads."""


def algorithm_classes():
    from .convert_codes import ConvertLandUseCodesAlgorithm

    return [ConvertLandUseCodesAlgorithm]
