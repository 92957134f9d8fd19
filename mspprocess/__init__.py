"""MSP Process: caller verification inside HaloPSA tickets."""

__version__ = "0.1.0"
