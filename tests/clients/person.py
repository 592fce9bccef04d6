"""The nested schema every client fills (tests/test_llm.py and, from its own venv, instructor_client.py)."""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import BaseModel, Field


class Address(BaseModel):
    city: str
    country: str


class Person(BaseModel):
    name: str
    age: int = Field(ge=0, le=150)
    address: Address
    nickname: Optional[str]
    tags: list[str]
    role: Literal["admin", "user"]


PERSON = "Extract the person. name: Ada Lovelace, age: 36, city: London, country: UK, role: user"
