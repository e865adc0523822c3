"""Which sales taxes a product carries, by category, following the published rules.

Each product may override its category's rule (cocoa powder is a basic grocery, a chocolate
bar is not), but the default is the rule cited here.
"""

from orders.taxes import TaxCategory

from .choices import ProductCategory

CATEGORY_TAX = {
    # Coffee beans and ground coffee are basic groceries: zero-rated for the GST/HST (Excise
    # Tax Act, Schedule VI, Part III, s. 1; CRA GST/HST Memorandum 4.3 "Basic Groceries") and
    # for the QST (Act respecting the Québec sales tax, s. 174; Revenu Québec, "Zero-rated
    # property: basic groceries").
    ProductCategory.COFFEE: TaxCategory.ZERO_RATED,
    # Tea leaves and tea bags: basic groceries, zero-rated (same Memorandum 4.3 and QST s. 174).
    ProductCategory.TEA: TaxCategory.ZERO_RATED,
    # Candy, confectionery and chocolate bars are excluded from basic groceries and taxable
    # (Excise Tax Act, Schedule VI, Part III, s. 1(e); Memorandum 4.3, "Candies,
    # confectionery…"; QST s. 175). Baking chocolate or cocoa powder is zero-rated: such a
    # product overrides this default on its page.
    ProductCategory.CHOCOLATE: TaxCategory.TAXABLE,
    # Sugar, spices and seasonings are basic groceries: zero-rated (Memorandum 4.3; QST s. 174).
    ProductCategory.SUGAR_SPICES: TaxCategory.ZERO_RATED,
    # Crafts (baskets, textiles, ceramics) are ordinary taxable property: GST (Excise Tax Act
    # s. 165) and QST (Act respecting the Québec sales tax s. 16).
    ProductCategory.CRAFTS: TaxCategory.TAXABLE,
    # Printed books: the sale is taxable under the GST (5 %), while under the QST the sale of
    # a printed book that has an ISBN is zero-rated (Act respecting the Québec sales tax
    # s. 198.1; Revenu Québec, "Printed Books", and interpretation bulletin TVQ. 198.1-1). A
    # book without an ISBN, or sold bundled with other goods, is taxable: its page overrides.
    ProductCategory.BOOKS: TaxCategory.GST_ONLY,
}


def default_tax_category(category):
    """The tax category of a product of `category` unless its page says otherwise."""
    return CATEGORY_TAX.get(category, TaxCategory.TAXABLE)
