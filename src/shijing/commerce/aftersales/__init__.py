"""After-sales (售后): refund, return and exchange requests, deadlines and arbitration."""
