"""Response models several surfaces share."""

from typing import Any

from pydantic import BaseModel, ConfigDict


class MessageOut(BaseModel):
    """A done deal, said in words."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"message": "Availability set successfully"}]}
    )

    message: str


def examples(*values: dict[str, Any]) -> ConfigDict:
    """A model's config showing `values` as its examples in the OpenAPI document."""
    return ConfigDict(json_schema_extra={"examples": list(values)})
