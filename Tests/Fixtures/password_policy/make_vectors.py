#!/usr/bin/env python3
"""Writes the password-policy test vectors from the reference's own code.

  quick_ratio.json        difflib.SequenceMatcher(a=..., b=...).quick_ratio() on random pairs, as repr text
                          (b up to 300 long: past difflib's autojunk threshold of 200)
  django_validators.json  the messages of Django's UserAttributeSimilarityValidator,
                          MinimumLengthValidator and NumericPasswordValidator (validate_password,
                          in that order) for random passwords and users; CommonPasswordValidator is
                          left out on purpose (PasswordPolicy answers it with cracklib instead)

Run with Django 5.2 importable (e.g. PYTHONPATH=<unpacked django-5.2.19 wheel + asgiref>):
    python3 Tests/Fixtures/password_policy/make_vectors.py
The seed is fixed: the same Django and Python write the same files.
"""
import json
import os
import random
from difflib import SequenceMatcher

import django
from django.conf import settings

settings.configure(USE_I18N=False)
django.setup()
from django.contrib.auth import password_validation as pv  # noqa: E402
from django.core.exceptions import ValidationError  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(20261206)

# Letters, digits (also non-ASCII ones: isdigit, isnumeric), separators for \W+, a combining mark.
ALPHABET = list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") + list("_-.@+ !#") + [
    "é", "É", "ß", "ø", "Ж", "ж", "中", "٣", "²", "½", "Ⅻ", "\u0301"]
SMALL = list("abcab12")


def text(alphabet, low, high):
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(low, high)))


def quick_ratio_vectors():
    out = []
    for _ in range(400):
        alphabet = rng.choice([SMALL, ALPHABET, list("ab")])
        a = text(alphabet, 0, 40)
        b = text(alphabet, 0, rng.choice([10, 60, 300]))
        # As Python's repr (the shortest text that reads back as the same double): JSON readers
        # do not all parse numbers to the nearest double.
        out.append({"a": a, "b": b, "quick_ratio": repr(SequenceMatcher(a=a, b=b).quick_ratio())})
    return out


class Field:
    def __init__(self, verbose_name):
        self.verbose_name = verbose_name


class Meta:
    names = {"username": "username", "first_name": "first name", "last_name": "last name",
             "email": "email address"}

    def get_field(self, name):
        return Field(self.names[name])


class User:
    _meta = Meta()

    def __init__(self, username, email, first_name, last_name):
        self.username, self.email, self.first_name, self.last_name = username, email, first_name, last_name


def mutate(value):
    """A password near `value`: a slice of it, changed a little, sometimes upper-cased."""
    if not value:
        return text(ALPHABET, 1, 12)
    start = rng.randint(0, max(0, len(value) - 3))
    part = value[start:start + rng.randint(3, 20)]
    chars = list(part)
    for _ in range(rng.randint(0, 4)):
        op = rng.choice(["insert", "delete", "replace"])
        i = rng.randint(0, len(chars))
        if op == "insert":
            chars.insert(i, rng.choice(ALPHABET))
        elif chars and i < len(chars):
            if op == "delete":
                del chars[i]
            else:
                chars[i] = rng.choice(ALPHABET)
    out = "".join(chars)
    return out.upper() if rng.random() < 0.2 else out


def validator_vectors():
    out = []
    for n in range(600):
        username = text(list("abcdefghijklmnopqrstuvwxyz0123456789_.@+-é中"), 1, 20)
        first = rng.choice(["", text(ALPHABET, 1, 10)])
        last = rng.choice(["", text(ALPHABET, 1, 12)])
        email = rng.choice(["", username.lower() + "@" + text(list("abcdefghij"), 1, 8) + ".com"])
        kind = rng.random()
        if kind < 0.5:
            password = mutate(rng.choice([username, first, last, email]))
        elif kind < 0.65:
            password = text(list("0123456789٣²"), 1, 14)
        elif kind < 0.8:
            password = text(ALPHABET, 1, 30)
        else:
            password = text(ALPHABET, 40, 400)  # long: Django's length-ratio shortcut
        min_length = rng.choice([8, 8, 8, 1, 2, 12])
        validators = [pv.UserAttributeSimilarityValidator(), pv.MinimumLengthValidator(min_length),
                      pv.NumericPasswordValidator()]
        user = User(username, email, first, last)
        try:
            pv.validate_password(password, user, password_validators=validators)
            messages = []
        except ValidationError as error:
            messages = error.messages
        out.append({"password": password, "username": username, "email": email, "first_name": first,
                    "last_name": last, "min_length": min_length, "messages": messages})
    return out


def write(name, data):
    with open(os.path.join(HERE, name), "w", encoding="utf-8") as f:
        json.dump({"generator": "make_vectors.py", "django": django.get_version(), "vectors": data}, f,
                  ensure_ascii=False, indent=0)
        f.write("\n")


write("quick_ratio.json", quick_ratio_vectors())
write("django_validators.json", validator_vectors())
