package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/citadel-store/citadel/internal/ids"
	"github.com/citadel-store/citadel/internal/store"
)

// MaxCategoryDepth bounds the category tree: a top-level category has
// depth 0.
const MaxCategoryDepth = 4

// Category is a node of the shop's category tree. Listing a category
// shows the products of its descendants too.
type Category struct {
	ID       string
	Slug     string
	Name     string
	ParentID string // "" at the top
	Position int    // among its siblings
	Depth    int    // 0 at the top
}

// CreateCategory adds a category under parentID ("" for the top level),
// after its existing siblings. A taken slug is an *InvalidError on "slug"
// wrapping ErrConflict.
func (s *Service) CreateCategory(ctx context.Context, name, slugText, parentID string) (Category, error) {
	name, err := line("name", name, MaxName, true)
	if err != nil {
		return Category{}, err
	}
	sl, err := slug("slug", slugText)
	if err != nil {
		return Category{}, err
	}
	c := Category{ID: ids.New("cat"), Slug: sl, Name: name, ParentID: parentID}
	if parentID != "" && !validID("cat", parentID) {
		return Category{}, invalid("parent", "no such category")
	}
	err = s.db.Tx(ctx, func(tx *store.Tx) error {
		if parentID != "" {
			all, err := categories(ctx, tx)
			if err != nil {
				return err
			}
			p, ok := find(all, func(x Category) bool { return x.ID == parentID })
			if !ok {
				return invalid("parent", "no such category")
			}
			if p.Depth+1 > MaxCategoryDepth {
				return invalid("parent", fmt.Sprintf("categories nest at most %d deep", MaxCategoryDepth+1))
			}
			c.Depth = p.Depth + 1
		}
		err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(position), -1) + 1 FROM categories
			WHERE parent_id = ? OR (parent_id IS NULL AND ? = '')`, parentID, parentID).Scan(&c.Position)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO categories (id, slug, name, parent_id, position) VALUES (?, ?, ?, ?, ?)`,
			c.ID, c.Slug, c.Name, nullable(parentID), c.Position)
		if store.IsUniqueViolation(err) {
			return conflict("slug", "this address is taken; choose another")
		}
		return err
	})
	if err != nil {
		return Category{}, err
	}
	return c, nil
}

// Categories lists the tree depth-first: each category is followed by its
// descendants, siblings in position order.
func (s *Service) Categories(ctx context.Context) ([]Category, error) {
	return categories(ctx, s.db)
}

// CategoryBySlug returns a category by slug.
func (s *Service) CategoryBySlug(ctx context.Context, slugText string) (Category, error) {
	if _, err := slug("slug", slugText); err != nil {
		return Category{}, ErrNotFound
	}
	all, err := categories(ctx, s.db)
	if err != nil {
		return Category{}, err
	}
	c, ok := find(all, func(x Category) bool { return x.Slug == slugText })
	if !ok {
		return Category{}, ErrNotFound
	}
	return c, nil
}

func categories(ctx context.Context, q store.Querier) ([]Category, error) {
	rows, err := q.Query(ctx, `SELECT id, slug, name, parent_id, position FROM categories ORDER BY position, name, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	children := map[string][]Category{}
	for rows.Next() {
		var c Category
		var parent sql.NullString
		if err := rows.Scan(&c.ID, &c.Slug, &c.Name, &parent, &c.Position); err != nil {
			return nil, err
		}
		c.ParentID = parent.String
		children[c.ParentID] = append(children[c.ParentID], c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []Category
	var walk func(parent string, depth int)
	walk = func(parent string, depth int) {
		for _, c := range children[parent] {
			c.Depth = depth
			out = append(out, c)
			walk(c.ID, depth+1)
		}
	}
	walk("", 0)
	return out, nil
}

// subtree returns the IDs of the category with the given slug and of all
// its descendants; none when there is no such category.
func subtree(all []Category, slugText string) []string {
	var out []string
	in := map[string]bool{}
	for _, c := range all { // depth-first order: parents come before children
		if c.Slug == slugText || in[c.ParentID] {
			in[c.ID] = true
			out = append(out, c.ID)
		}
	}
	return out
}

func find(all []Category, match func(Category) bool) (Category, bool) {
	for _, c := range all {
		if match(c) {
			return c, true
		}
	}
	return Category{}, false
}

// nullable stores "" as NULL.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// categoryExists checks an ID given for a product's category.
func categoryExists(ctx context.Context, q store.Querier, id string) error {
	if id == "" {
		return nil
	}
	if !validID("cat", id) {
		return invalid("category", "no such category")
	}
	var one int
	err := q.QueryRow(ctx, `SELECT 1 FROM categories WHERE id = ?`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return invalid("category", "no such category")
	}
	return err
}
