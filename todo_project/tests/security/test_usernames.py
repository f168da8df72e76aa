"""A username cannot pass for another: no mixing of alphabets, no look-alike of an existing name."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

PASSWORD = "a-Fresh-pass-word-9137"


def register(name: str):
    return Client().post("/api/auth/register/", {"username": name, "password": PASSWORD}, content_type="application/json")


def signup(name: str):
    return Client().post("/accounts/signup/", {"username": name, "password1": PASSWORD, "password2": PASSWORD})


@pytest.mark.django_db
@pytest.mark.parametrize("door", [register, signup], ids=["api", "page"])
@pytest.mark.parametrize(
    "name",
    [
        "\u0430lice",  # Cyrillic "а" then Latin "lice"
        "b\u03bfb",  # Greek omicron between Latin b's
        "p\u0430yp\u0430l",
    ],
)
def test_a_name_that_mixes_alphabets_is_refused(user, door, name):
    response = door(name)

    assert response.status_code == 400
    assert not get_user_model().objects.filter(username=name).exists()
    assert "alphabet" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("door", [register, signup], ids=["api", "page"])
def test_a_name_all_in_look_alike_letters_of_an_existing_user_is_refused(user, door):
    lookalike = "\u0430\u04cf\u0456\u0441\u0435"  # "аӏісе": all Cyrillic, reads as "alice"

    response = door(lookalike)

    assert response.status_code == 400
    assert not get_user_model().objects.filter(username=lookalike).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["алиса", "山田たろう", "kim김", "zoë", "bob_1.2"])
def test_names_in_one_alphabet_or_in_scripts_written_together_are_welcome(name):
    response = register(name)

    assert response.status_code == 201, response.content
    assert response.json()["username"] == name
