"""Checks an item's fields, from a JSON body or a form post alike."""


class InvalidItem(ValueError):
    pass


def parse_item(fields, partial=False):
    item = {}
    name = fields.get("name")
    if name is not None:
        name = str(name).strip()
        if not name or len(name) > 100:
            raise InvalidItem("name must be 1-100 characters")
        item["name"] = name
    elif not partial:
        raise InvalidItem("name is required")
    price = fields.get("price")
    if price is not None:
        try:
            price = float(price)
        except (TypeError, ValueError):
            raise InvalidItem("price must be a number") from None
        if price < 0:
            raise InvalidItem("price must not be negative")
        item["price"] = price
    elif not partial:
        raise InvalidItem("price is required")
    return item
